import type { PredictionTask } from '../domain/Task.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Clock } from '../runtime/clock.js';

/** The two ledger calls the watch makes (WindowLedger has them). */
export type PoisonLedger = Pick<WindowLedger, 'heldBy' | 'finish'>;

type Held = Awaited<ReturnType<WindowLedger['heldBy']>>[number];

/**
 * `latigo start`'s watch for poison windows: a window whose run crashes its executor (out of memory, a
 * native fault) is redelivered and crashes the restarted executor again, for ever, because a crash never
 * reaches the queue's attempt count. Each executor death is charged to the windows the dead executor held
 * (the ledger's `running` windows under its claim); a window charged `limit` times is recorded dead
 * (error class permanent, the reason naming the crashes), so its next delivery is acked without work.
 * Counts live in this process: a window crashing executors of two `latigo start` hosts is charged on each.
 */
export class PoisonWindows {
  private readonly crashes = new Map<string, number>();

  constructor(
    private readonly ledger: PoisonLedger,
    private readonly limit: number,
    private readonly clock: Clock,
  ) {}

  /** Charges the death of executor `name` to the windows it held; the fields for the death's log line. */
  async onDeath(name: string): Promise<Record<string, unknown>> {
    const held = await this.ledger.heldBy(name);
    if (held.length === 0) return {};
    const deadLettered: string[] = [];
    for (const window of held) {
      const crashes = (this.crashes.get(window.task.id) ?? 0) + 1;
      this.crashes.set(window.task.id, crashes);
      if (crashes < this.limit) continue;
      await this.recordDead(window.task, name, crashes);
      this.crashes.delete(window.task.id);
      deadLettered.push(describe(window));
    }
    return { heldWindows: held.map(describe), ...(deadLettered.length > 0 ? { deadLettered } : {}) };
  }

  private async recordDead(task: PredictionTask, executor: string, crashes: number): Promise<void> {
    const now = this.clock();
    await this.ledger.finish(
      task,
      {
        state: 'dead',
        errorClass: 'permanent',
        errorMessage: `poison window: its executor died ${crashes} times while running it (last ${executor}); not run again`,
      },
      { executor, startedAt: now },
    );
  }
}

function describe(w: Held): string {
  return `${w.project}/${w.model} [${new Date(w.window.fromMs).toISOString()}, ${new Date(w.window.toMs).toISOString()}) attempt ${w.attempts}`;
}
