import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContenderTarget, ContenderName } from './queueContenders.js';
import type { ToParent } from './queueConsumer.js';

/** Under tsx this module is .ts, built it is .js: the consumer entry has the same extension. */
const CONSUMER_ENTRY = fileURLToPath(new URL(`./queueConsumer${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export interface ConsumerUsage {
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

/**
 * Consumer processes of one contender. Each acks batches and reports them; the group adds them up, so the
 * suite learns of the last ack without querying the database during the timed run.
 */
export class ConsumerGroup {
  private acked = 0;
  private waiter: { total: number; resolve: () => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly usage = new Map<ChildProcess, ConsumerUsage>();

  private constructor(private readonly children: readonly ChildProcess[]) {
    for (const [i, child] of children.entries()) {
      child.on('message', (message: ToParent) => this.onMessage(child, message));
      child.on('exit', (code) => {
        if (!this.usage.has(child)) this.fail(new Error(`consumer ${i + 1} exited with code ${code} before it was stopped`));
      });
    }
  }

  /** Forks `count` consumers and resolves once every one is connected and polling. */
  static async start(name: ContenderName, target: ContenderTarget, count: number, batch: number): Promise<ConsumerGroup> {
    const children = Array.from({ length: count }, (_, i) =>
      fork(CONSUMER_ENTRY, [name, target.url, target.queue, String(batch), `bench-consumer-${i + 1}`], {
        execArgv: process.execArgv,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.on('message', (m: ToParent) => {
              if (m.type === 'ready') resolve();
              if (m.type === 'failed') reject(new Error(`${name} consumer failed to start: ${m.error}`));
            });
            child.once('exit', (code) => reject(new Error(`${name} consumer exited with code ${code} while starting`)));
          }),
      ),
    );
    return new ConsumerGroup(children);
  }

  get settled(): number {
    return this.acked;
  }

  /** Resolves when the consumers together have settled `total` tasks; rejects if one fails or time runs out. */
  whenSettled(total: number, timeoutMs: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.acked >= total) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new Error(`only ${this.acked} of ${total} tasks settled within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      this.waiter = {
        total,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  /** Stops every consumer and resolves with each one's CPU time and peak RSS. */
  async stop(): Promise<ConsumerUsage[]> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.send({ type: 'stop' });
          }),
      ),
    );
    return this.children.map((child) => this.usage.get(child) ?? { cpuMs: NaN, maxRssMb: NaN });
  }

  private onMessage(child: ChildProcess, message: ToParent): void {
    if (message.type === 'acked') {
      this.acked += message.n;
      if (this.waiter && this.acked >= this.waiter.total) this.waiter.resolve();
    } else if (message.type === 'done') {
      this.usage.set(child, { cpuMs: message.cpuMs, maxRssMb: message.maxRssMb });
    } else if (message.type === 'failed') {
      this.fail(new Error(`consumer failed: ${message.error}`));
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.reject(err);
  }
}
