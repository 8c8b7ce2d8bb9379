import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LineProtocolOptions } from './lineProtocolPoints.js';
import type { FromParseWorker, ToParseWorker } from './lineProtocolWorker.js';
import { unpackChunk, type PackedChunk } from './packedChunk.js';
import type { ParsedChunk } from './ParsedChunk.js';

/** Pieces of one body sent ahead of the one whose chunks are being written: enough to keep the worker busy, few enough to bound memory. */
const PIECES_AHEAD = 4;

/** One parse worker per core but the main thread's (issue 16: it writes to the store), at least one, at most four. */
function defaultSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Parses line-protocol bodies on worker threads (issue 16): the api's main thread then only receives the
 * bodies and writes the points, so the parse of one request runs beside the store writes of others, on
 * another core. `parse` is `lineProtocolPoints` with the same chunks, rejections and offsets; each body is
 * one session on one worker, fed piece by piece with at most PIECES_AHEAD pieces unanswered (a 1 GB
 * body costs no more memory than a small one). Workers start on first use and do not keep the process alive.
 */
export class LineProtocolWorkerPool {
  private readonly workers: ParseWorker[] = [];
  private nextSession = 1;

  constructor(private readonly size = defaultSize()) {}

  async *parse(input: AsyncIterable<Buffer>, options: LineProtocolOptions): AsyncGenerator<ParsedChunk> {
    const { now, ...rest } = options;
    const worker = this.pick();
    const session = this.nextSession++;
    worker.open(session, rest);
    const answers: Promise<PackedChunk[]>[] = [];
    let ended = false;
    try {
      for await (const piece of input) {
        answers.push(worker.request({ type: 'piece', session, bytes: piece, nowMs: now() }));
        while (answers.length > PIECES_AHEAD) for (const packed of await answers.shift()!) yield unpackChunk(packed);
      }
      answers.push(worker.request({ type: 'end', session }));
      ended = true;
      while (answers.length > 0) for (const packed of await answers.shift()!) yield unpackChunk(packed);
    } finally {
      worker.close(session, ended);
    }
  }

  /** Stops the workers (the api's shutdown). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** The worker with the fewest bodies in progress, starting another while there are fewer than `size`. */
  private pick(): ParseWorker {
    const live = this.workers.filter((w) => w.alive);
    this.workers.splice(0, this.workers.length, ...live);
    const idle = live.find((w) => w.sessions === 0);
    if (idle !== undefined) return idle;
    if (live.length < this.size) {
      const started = new ParseWorker();
      this.workers.push(started);
      return started;
    }
    return live.reduce((a, b) => (b.sessions < a.sessions ? b : a));
  }
}

/** The worker's own module: `.js` when running from dist/, `.ts` under tsx (tests from source). */
const workerUrl = new URL(`./lineProtocolWorker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * From dist/, the worker module itself. From source, a worker that registers tsx first: Node 20 does not
 * hand the loader hooks of `--import tsx` on to worker threads.
 */
function startWorker(): Worker {
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl);
  // Resolved here: an eval'd worker resolves bare names from the working directory, which may be anywhere.
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(source, { eval: true });
}

interface Waiter {
  resolve(chunks: PackedChunk[]): void;
  reject(err: Error): void;
}

/** One worker thread and, per session it serves, the answers awaited in order. */
class ParseWorker {
  private readonly worker = startWorker();
  private readonly waiting = new Map<number, Waiter[]>();
  private failure: Error | undefined;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (message: FromParseWorker) => {
      const waiter = this.waiting.get(message.session)?.shift();
      if (waiter === undefined) return; // a session closed early: its answers are not wanted
      if ('error' in message) waiter.reject(new Error(`line-protocol parse worker: ${message.error}`));
      else waiter.resolve(message.chunks);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the line-protocol parse worker exited (code ${code})`)));
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  get sessions(): number {
    return this.waiting.size;
  }

  open(session: number, options: Omit<LineProtocolOptions, 'now'>): void {
    this.waiting.set(session, []);
    this.post({ type: 'open', session, options });
  }

  /** Sends a piece or the end of a session; resolves with the chunks the worker answers it with. */
  request(message: Extract<ToParseWorker, { type: 'piece' | 'end' }>): Promise<PackedChunk[]> {
    const answer = new Promise<PackedChunk[]>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      const queue = this.waiting.get(message.session);
      if (queue === undefined) return reject(new Error(`parse session ${message.session} is closed`));
      queue.push({ resolve, reject });
      this.post(message);
    });
    answer.catch(() => {}); // awaited by the caller unless it stopped early; then nobody needs to hear of it
    return answer;
  }

  /** Forgets a session; one not ended is dropped by the worker too. */
  close(session: number, ended: boolean): void {
    this.waiting.delete(session);
    if (!ended && this.failure === undefined) this.post({ type: 'close', session });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('the line-protocol parse workers were stopped'));
    await this.worker.terminate();
  }

  private post(message: ToParseWorker): void {
    this.worker.postMessage(message);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const queue of this.waiting.values()) for (const waiter of queue.splice(0)) waiter.reject(this.failure);
  }
}
