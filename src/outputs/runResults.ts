import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Database } from '../persistence/Database.js';
import { runOutcome, type RunOutcome } from '../runs/runOutcome.js';
import { RunStore, type RunRecord } from '../runs/RunStore.js';
import type { TemplateContext } from './template/renderTemplate.js';

/** The runs naming a `result` output, as the dispatcher routes them (issue 19). */
export interface RunResultSource {
  /** Runs whose result delivery was not written yet, oldest first. */
  awaiting(limit: number): Promise<RunRecord[]>;
  outcome(run: RunRecord): Promise<RunOutcome>;
  markRouted(id: string, now: number): Promise<void>;
}

export function runResultSource(db: Database, ledger: Pick<WindowLedger, 'countByState'>): RunResultSource {
  const runs = new RunStore(db);
  return {
    awaiting: (limit) => runs.awaitingResult(limit),
    outcome: (run) => runOutcome(ledger, run),
    markRouted: (id, now) => runs.markResultRouted(id, now),
  };
}

/** A run as a result delivery shows it: the fields of GET /runs/{id}, `meta` echoed as the client gave it. */
export function runResultView(run: RunRecord, outcome: RunOutcome): Record<string, unknown> {
  return {
    id: run.id,
    project: run.project,
    model: run.model,
    revision: run.revision,
    from: new Date(run.fromMs).toISOString(),
    to: new Date(run.toMs).toISOString(),
    rerun: run.rerun,
    windows: run.windows,
    queued: run.queued,
    meta: run.meta ?? null,
    requestedBy: run.requestedBy,
    createdAt: new Date(run.createdAt).toISOString(),
    state: outcome.state,
    windowsByState: outcome.windowsByState,
    links: { self: `/api/v1/runs/${run.id}` },
  };
}

/**
 * The template context of a run's result (README "Outputs"): `run` (the run with its `meta`), `request`
 * (what the client asked: range, rerun, meta, as Enodo's request), `response` (the outcome), `model`.
 */
export function resultContext(run: RunRecord, outcome: RunOutcome, outputId: string): TemplateContext {
  const view = runResultView(run, outcome);
  return {
    run: view,
    request: { from: view.from, to: view.to, rerun: run.rerun, meta: run.meta ?? null, output: outputId },
    response: {
      state: outcome.state,
      windowsByState: outcome.windowsByState,
      ...(outcome.windowsByState.dead > 0 ? { error: `${outcome.windowsByState.dead} of ${run.windows} windows went dead` } : {}),
    },
    model: { project: run.project, name: run.model, revision: run.revision },
    severity: outcome.windowsByState.dead > 0 ? 'warning' : 'info',
    output: { id: outputId },
  };
}
