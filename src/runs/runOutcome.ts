import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { WindowState } from '../ledger/windowTypes.js';
import type { RunRecord } from './RunStore.js';

export interface RunOutcome {
  /** `finished` once none of the run's windows is queued, running or waiting for a retry. */
  readonly state: 'running' | 'finished';
  readonly windowsByState: Record<WindowState, number>;
}

/** Where a run stands, from the ledger rows of its revision inside its range (GET /runs/{id}, result outputs). */
export async function runOutcome(ledger: Pick<WindowLedger, 'countByState'>, run: RunRecord): Promise<RunOutcome> {
  const windowsByState = await ledger.countByState({
    project: run.project,
    model: run.model,
    revision: run.revision,
    fromMs: run.fromMs,
    toMs: run.toMs,
  });
  // A failed window is retried later (it ends succeeded or dead), so it still counts as open.
  const open = windowsByState.queued + windowsByState.running + windowsByState.failed;
  return { state: open > 0 ? 'running' : 'finished', windowsByState };
}
