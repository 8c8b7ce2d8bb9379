import type { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import type { TaskQueue } from '../contracts/TaskQueue.js';
import type { WindowLedger, WindowState } from '../ledger/WindowLedger.js';

/** Messages in the queue by condition; reported by queues that can count them (the database queue). */
export interface QueueDepth {
  ready: number;
  leased: number;
  delayed: number;
  dead: number;
}

export interface DeadLetterInfo {
  id: string;
  reason: string;
}

export interface AnomalyInfo {
  project: string;
  model: string;
  timeMs: number;
  totalAnomaly: number;
  threshold: number;
}

/** What `latigo status --json` prints. Counts a provider cannot report are null. */
export interface StatusReport {
  queue: (QueueDepth & { dead_letters: { id: string; reason: string }[] }) | null;
  /** Windows of the ledger by state, and failed/dead windows by error class. */
  runs: Record<WindowState, number> & { by_error_class: Record<string, number> };
  /** Stored prediction rows. */
  predictions: number | null;
  latest_anomalies: { project: string; model: string; time: string; total_anomaly: number | null; threshold: number | null }[];
}

/** The database queue's extra introspection; other queues (Event Hubs) may not have it. */
interface InspectableQueue {
  depth(): Promise<QueueDepth>;
  deadLetters?(limit: number): Promise<readonly { id: string; reason?: string | null; deadReason?: string | null }[]>;
}
interface InspectableStorage {
  countPredictions(): Promise<number>;
  latestAnomalies?(limit: number): Promise<readonly AnomalyInfo[]>;
}

export interface StatusSources {
  ledger: Pick<WindowLedger, 'counts'>;
  queue: TaskQueue;
  storage: PredictionStorageProvider;
}

export async function collectStatus(sources: StatusSources, options: { anomalies?: number; deadLetters?: number } = {}): Promise<StatusReport> {
  const { byState, byErrorClass } = await sources.ledger.counts();
  const queue = isInspectableQueue(sources.queue) ? sources.queue : undefined;
  const storage = isInspectableStorage(sources.storage) ? sources.storage : undefined;
  const deadLetters = queue?.deadLetters ? await queue.deadLetters(options.deadLetters ?? 5) : [];
  const anomalies = storage?.latestAnomalies ? await storage.latestAnomalies(options.anomalies ?? 10) : [];
  return {
    queue: queue ? { ...(await queue.depth()), dead_letters: deadLetters.map((d) => ({ id: d.id, reason: d.reason ?? d.deadReason ?? '' })) } : null,
    runs: { ...byState, by_error_class: byErrorClass },
    predictions: storage ? await storage.countPredictions() : null,
    latest_anomalies: anomalies.map((a) => ({
      project: a.project, model: a.model, time: new Date(a.timeMs).toISOString(),
      total_anomaly: finiteOrNull(a.totalAnomaly), threshold: finiteOrNull(a.threshold),
    })),
  };
}

/** The human-readable form of `latigo status`. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  const q = report.queue;
  lines.push(q ? `queue        ${q.ready} ready, ${q.leased} leased, ${q.delayed} delayed, ${q.dead} dead` : 'queue        (depth not reported by this queue type)');
  for (const d of q?.dead_letters ?? []) lines.push(`  dead ${d.id}: ${d.reason}`);
  const r = report.runs;
  lines.push(`windows      ${r.queued} queued, ${r.running} running, ${r.succeeded} succeeded, ${r.insufficient_data} insufficient data, ${r.failed} failed, ${r.dead} dead`);
  const classes = Object.entries(r.by_error_class);
  if (classes.length > 0) lines.push(`  errors     ${classes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  lines.push(`predictions  ${report.predictions ?? '(not counted by this storage type)'}`);
  if (report.latest_anomalies.length > 0) {
    lines.push('latest anomalies');
    for (const a of report.latest_anomalies) {
      lines.push(`  ${a.time}  ${a.project}/${a.model}  score ${formatNumber(a.total_anomaly)} > ${formatNumber(a.threshold)}`);
    }
  } else {
    lines.push('latest anomalies  none');
  }
  return `${lines.join('\n')}\n`;
}

function isInspectableQueue(queue: TaskQueue): queue is TaskQueue & InspectableQueue {
  return typeof (queue as Partial<InspectableQueue>).depth === 'function';
}

function isInspectableStorage(storage: PredictionStorageProvider): storage is PredictionStorageProvider & InspectableStorage {
  return typeof (storage as Partial<InspectableStorage>).countPredictions === 'function';
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function formatNumber(value: number | null): string {
  return value === null ? 'n/a' : value.toPrecision(4);
}
