import type { PredictionReader } from '../contracts/PredictionReader.js';
import type { QueueDepth, QueueInspector } from '../contracts/QueueInspector.js';
import type { WindowLedger, WindowState } from '../ledger/WindowLedger.js';
import type { ModelStatus } from '../api/freshness.js';
import type { ProcessRecord } from '../processes/ProcessRegistry.js';
import type { Episode } from '../episodes/computeEpisodes.js';
import { formatProcess } from './executorsCommand.js';
import { unservedCounts, waitingUnserved } from '../processes/unservedLanes.js';

/** What `latigo status --json` prints. Counts a provider cannot report are null. */
export interface StatusReport {
  queue: (QueueDepth & { dead_letters: { id: string; reason: string }[] }) | null;
  /** Windows of the ledger by state, and failed/dead windows by error class. */
  runs: Record<WindowState, number> & { by_error_class: Record<string, number> };
  /** Stored prediction rows. */
  predictions: number | null;
  latest_anomalies: { project: string; model: string; time: string; total_anomaly: number | null; threshold: number | null }[];
  /** What retention pruned so far (windows, runs), and when it last ran (null: never). */
  retention: { pruned: Record<string, number>; last_run_at: string | null };
  /** Models breaching slo.max_staleness (when the catalogue was read). */
  freshness?: { max_staleness_s: number; models: number; stale: { project: string; model: string; last_window_end: string | null }[] };
  /** Scheduler, executor and api processes from their heartbeats. */
  processes?: ProcessRecord[];
  /** Ongoing anomaly episodes, newest first (shown instead of single anomalous points). */
  open_episodes?: {
    project: string;
    model: string;
    since: string;
    last_anomaly_end: string;
    peak_score: number;
    threshold: number;
    severity: string;
    top_tags: { tag: string; share: number }[];
  }[];
  /** Ready tasks by model kind that no live executor's pool serves (README "Executor pools"). */
  waiting_unserved?: Record<string, number>;
}

export interface StatusSources {
  ledger: Pick<WindowLedger, 'counts' | 'retentionTotals'>;
  /** The queue's QueueInspector, when its module declares one (both built-in queues do). */
  inspector?: QueueInspector;
  /** The prediction store's PredictionReader, when its module declares one. */
  reader?: PredictionReader;
  /** Every model with its freshness (src/api/freshness.ts) and the configured limit. */
  freshness?: { statuses: () => Promise<ModelStatus[]>; maxStalenessMs: number };
  processes?: () => Promise<ProcessRecord[]>;
  openEpisodes?: () => Promise<Episode[]>;
  /** `executor.pools`: with the processes and the queue's ready tasks per lane, tells which tasks no live executor serves. */
  pools?: Readonly<Record<string, readonly string[]>>;
}

export async function collectStatus(
  sources: StatusSources,
  options: { anomalies?: number; deadLetters?: number } = {},
): Promise<StatusReport> {
  const { byState, byErrorClass } = await sources.ledger.counts();
  const { inspector, reader } = sources;
  const retention = await sources.ledger.retentionTotals();
  const deadLetters = inspector ? (await inspector.deadLetters({ limit: options.deadLetters ?? 5 })).items : [];
  const anomalies = reader ? await reader.latestAnomalies({ limit: options.anomalies ?? 10 }) : [];
  return {
    queue: inspector ? { ...(await inspector.depth()), dead_letters: deadLetters.map((d) => ({ id: d.id, reason: d.reason })) } : null,
    runs: { ...byState, by_error_class: byErrorClass },
    predictions: reader ? await reader.countPredictions() : null,
    latest_anomalies: anomalies.map((a) => ({
      project: a.project,
      model: a.model,
      time: new Date(a.timeMs).toISOString(),
      total_anomaly: finiteOrNull(a.totalAnomaly),
      threshold: finiteOrNull(a.threshold),
    })),
    retention: {
      pruned: retention.pruned,
      last_run_at: retention.lastRunAt === undefined ? null : new Date(retention.lastRunAt).toISOString(),
    },
    ...(sources.freshness === undefined ? {} : { freshness: await freshnessOf(sources.freshness) }),
    ...(sources.openEpisodes === undefined ? {} : { open_episodes: (await sources.openEpisodes()).map(episodeLine) }),
    ...(sources.processes === undefined ? {} : await processesAndWaiting(sources)),
  };
}

async function processesAndWaiting(sources: StatusSources): Promise<Pick<StatusReport, 'processes' | 'waiting_unserved'>> {
  const processes = await sources.processes!();
  if (sources.pools === undefined) return { processes };
  const waiting = await waitingUnserved({
    ...unservedCounts(sources.inspector),
    processes: () => Promise.resolve(processes),
    pools: sources.pools,
  });
  return { processes, ...(waiting === undefined ? {} : { waiting_unserved: waiting }) };
}

async function freshnessOf(source: NonNullable<StatusSources['freshness']>): Promise<NonNullable<StatusReport['freshness']>> {
  const statuses = await source.statuses();
  return {
    max_staleness_s: source.maxStalenessMs / 1000,
    models: statuses.length,
    stale: statuses
      .filter((m) => m.stale)
      .map((m) => ({
        project: m.project,
        model: m.name,
        last_window_end: m.lastFinishedToMs === undefined ? null : new Date(m.lastFinishedToMs).toISOString(),
      })),
  };
}

/** The human-readable form of `latigo status`. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  const q = report.queue;
  lines.push(
    q
      ? `queue        ${q.ready} ready, ${q.leased} leased, ${q.delayed} delayed, ${q.dead} dead`
      : 'queue        (depth not reported by this queue type)',
  );
  for (const d of q?.dead_letters ?? []) lines.push(`  dead ${d.id}: ${d.reason}`);
  for (const [kind, n] of Object.entries(report.waiting_unserved ?? {}))
    lines.push(`  waiting    ${n} ${kind} tasks: no live executor's pool serves ${kind} (executor.pools)`);
  const r = report.runs;
  lines.push(
    `windows      ${r.queued} queued, ${r.running} running, ${r.succeeded} succeeded, ${r.insufficient_data} insufficient data, ${r.failed} failed, ${r.dead} dead`,
  );
  const classes = Object.entries(r.by_error_class);
  if (classes.length > 0) lines.push(`  errors     ${classes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  lines.push(`predictions  ${report.predictions ?? '(not counted by this storage type)'}`);
  const pruned = Object.entries(report.retention.pruned);
  lines.push(
    report.retention.last_run_at === null
      ? 'retention    nothing pruned yet'
      : `retention    pruned ${pruned.map(([kind, n]) => `${n} ${kind.replace('_', ' ')}`).join(', ')} (last run ${report.retention.last_run_at})`,
  );
  if (report.open_episodes !== undefined) {
    lines.push(report.open_episodes.length === 0 ? 'open episodes  none' : 'open episodes');
    for (const e of report.open_episodes) {
      const tags = e.top_tags.map((t) => `${t.tag} ${Math.round(t.share * 100)}%`).join(', ');
      lines.push(
        `  ${e.project}/${e.model}  since ${e.since}  ${e.severity}, peak ${formatNumber(e.peak_score)} > ${formatNumber(e.threshold)}${tags ? `  (${tags})` : ''}`,
      );
    }
  } else if (report.latest_anomalies.length > 0) {
    lines.push('latest anomalies');
    for (const a of report.latest_anomalies) {
      lines.push(`  ${a.time}  ${a.project}/${a.model}  score ${formatNumber(a.total_anomaly)} > ${formatNumber(a.threshold)}`);
    }
  } else {
    lines.push('latest anomalies  none');
  }
  if (report.freshness !== undefined) {
    const f = report.freshness;
    lines.push(
      `freshness    ${f.models - f.stale.length} of ${f.models} models within ${f.max_staleness_s} s${f.stale.length > 0 ? `; stale:` : ''}`,
    );
    for (const m of f.stale.slice(0, 10)) lines.push(`  stale ${m.project}/${m.model}  last window ended ${m.last_window_end ?? 'never'}`);
    if (f.stale.length > 10) lines.push(`  ... and ${f.stale.length - 10} more`);
  }
  if (report.processes !== undefined) {
    lines.push(report.processes.length === 0 ? 'processes    none registered' : 'processes');
    for (const p of report.processes) lines.push(`  ${formatProcess(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function formatNumber(value: number | null): string {
  return value === null ? 'n/a' : value.toPrecision(4);
}

function episodeLine(e: Episode): NonNullable<StatusReport['open_episodes']>[number] {
  return {
    project: e.project,
    model: e.model,
    since: new Date(e.startMs).toISOString(),
    last_anomaly_end: new Date(e.endMs).toISOString(),
    peak_score: e.peakScore,
    threshold: e.threshold,
    severity: e.severity,
    top_tags: e.topTags.map((t) => ({ tag: t.tag, share: t.share })),
  };
}
