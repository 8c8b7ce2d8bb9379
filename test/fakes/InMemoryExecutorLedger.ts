import type { PredictionTask } from '../../src/domain/Task.js';
import type { ExecutorLedger, LedgerBegin, LedgerOutcome, LedgerRun } from '../../src/executor/ExecutorLedger.js';

type State = 'queued' | 'running' | LedgerOutcome['state'];
const finished: readonly State[] = ['succeeded', 'insufficient_data', 'dead'];

export interface LedgerEntry {
  state: State;
  attempts: number;
  outcome?: LedgerOutcome;
  /** The live claim of the delivery running the window (WindowLedger's fence). */
  runner?: string;
  leaseExpiresAt?: number;
}

/**
 * The executor's view of the window ledger, in memory, with WindowLedger's semantics for begin and finish,
 * including the fence: a window running under a claim that has not expired on `clock` is refused.
 */
export class InMemoryExecutorLedger implements ExecutorLedger {
  readonly runs: { taskId: string; outcome: LedgerOutcome; run: LedgerRun }[] = [];
  private readonly windows = new Map<string, LedgerEntry>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Puts a window in `state`, e.g. to model a redelivery of a window that already succeeded. */
  seed(taskId: string, state: State): void {
    this.windows.set(taskId, { state, attempts: 0 });
  }

  get(taskId: string): LedgerEntry | undefined {
    return this.windows.get(taskId);
  }

  async begin(task: PredictionTask, executor: string, options: { leaseMs?: number } = {}): Promise<LedgerBegin> {
    const now = this.clock();
    const entry = this.windows.get(task.id) ?? { state: 'queued', attempts: 0 };
    if (finished.includes(entry.state)) return { proceed: false, state: entry.state };
    if (entry.state === 'running' && entry.leaseExpiresAt !== undefined && entry.leaseExpiresAt > now) {
      return { proceed: false, state: 'running', leaseExpiresAt: entry.leaseExpiresAt };
    }
    this.windows.set(task.id, {
      ...entry,
      state: 'running',
      attempts: entry.attempts + 1,
      runner: executor,
      leaseExpiresAt: now + (options.leaseMs ?? 60_000),
    });
    return { proceed: true };
  }

  async endClaim(task: PredictionTask, executor: string): Promise<void> {
    const entry = this.windows.get(task.id);
    if (entry?.state === 'running' && entry.runner === executor) this.windows.set(task.id, { ...entry, leaseExpiresAt: undefined });
  }

  async finish(task: PredictionTask, outcome: LedgerOutcome, run: LedgerRun): Promise<void> {
    this.runs.push({ taskId: task.id, outcome, run });
    if (run.leaseLost === true) return; // as WindowLedger: the delivery holding the window records its state
    const entry = this.windows.get(task.id) ?? { state: 'running', attempts: 1 };
    // As WindowLedger: a late outcome of a duplicate delivery never changes a finished window, except to succeeded.
    if (finished.includes(entry.state) && outcome.state !== 'succeeded') return;
    this.windows.set(task.id, { ...entry, state: outcome.state, outcome });
  }
}
