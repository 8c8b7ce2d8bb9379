/**
 * The events of the outbox (issue 15, ARCHITECTURE invariant 9) and the shape of each one's `data`.
 *
 * Adding a type (as the outputs' `episode` events do): add its name to EVENT_TYPES and its data shape to
 * EventData, here, in one place; the `event` table stores any type name of up to 32 characters, the live
 * feed accepts the names EVENT_TYPES lists in a subscription, and readers ignore types they do not know.
 */
export const EVENT_TYPES = ['window', 'prediction', 'anomaly', 'episode', 'model', 'executor'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(name: unknown): name is EventType {
  return typeof name === 'string' && (EVENT_TYPES as readonly string[]).includes(name);
}

/** A window's state in the ledger changed: queued (recorded by the scheduler), running, or an outcome. */
export interface WindowEventData {
  readonly taskId: string;
  /** The window, ISO 8601 UTC, half-open [from, to). */
  readonly from: string;
  readonly to: string;
  readonly state: 'queued' | 'running' | 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
  /** queued: why the window exists (schedule, catch_up, backfill, run). */
  readonly origin?: string;
  /** running and outcomes: the executor's process name. */
  readonly executor?: string;
  readonly errorClass?: string;
  readonly errorMessage?: string;
  /** succeeded: prediction rows written. */
  readonly rowsWritten?: number;
}

/** The executor stored a window's predictions (appended with its `succeeded` window event). */
export interface PredictionEventData {
  readonly taskId: string;
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  /** Rows flagged anomalous; at most 100 of them (the largest scores) follow as `anomaly` events. */
  readonly anomalies: number;
  readonly maxTotalAnomaly: number | null;
  readonly threshold: number | null;
}

/** One anomalous row of a stored window. */
export interface AnomalyEventData {
  readonly taskId: string;
  /** The row's timestamp, ISO 8601 UTC. */
  readonly time: string;
  readonly totalAnomaly: number;
  readonly threshold: number;
  /** The tags with the largest contributions, largest first (at most 3). */
  readonly topTags: readonly { readonly tag: string; readonly contribution: number }[];
}

/** An anomaly episode (merged anomalous rows) opened, grew or closed; appended by the outputs (issue 19). */
export interface EpisodeEventData {
  /** withdrawn: the episode no longer exists (a backfill joined it to an earlier one, or a re-run removed its points). */
  readonly state: 'opened' | 'updated' | 'closed' | 'withdrawn';
  readonly [field: string]: unknown;
}

/**
 * A model's predictions fell behind `slo.max_staleness` (stale) or caught up again (fresh); appended by the
 * api process that noticed (src/events/StateWatch.ts), once per change.
 */
export interface ModelFreshnessEventData {
  readonly state: 'stale' | 'fresh';
  /** End of the newest finished window, ISO 8601 UTC; null when none has finished. */
  readonly lastFinishedTo: string | null;
  readonly stalenessMs: number | null;
  readonly maxStalenessMs: number;
}

/**
 * An executor stopped sending heartbeats for longer than `api.lost_after` (lost), or came back (live);
 * the event's project is empty and its model is the executor's name. A clean stop is no loss.
 */
export interface ExecutorEventData {
  readonly state: 'lost' | 'live';
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** Its last heartbeat, ISO 8601 UTC. */
  readonly lastSeen: string;
}

/** The `data` of each event type. */
export interface EventData {
  window: WindowEventData;
  prediction: PredictionEventData;
  anomaly: AnomalyEventData;
  episode: EpisodeEventData;
  model: ModelFreshnessEventData;
  executor: ExecutorEventData;
}

/** An event to append: what happened, to which model. */
export type NewEvent = {
  [T in EventType]: {
    readonly type: T;
    readonly project: string;
    readonly model: string;
    readonly revision?: string;
    readonly data: EventData[T];
  };
}[EventType];

/** An event as the outbox holds it: `id` grows with every append; `createdAt` is epoch ms. */
export type StoredEvent = NewEvent & { readonly id: number; readonly createdAt: number };
