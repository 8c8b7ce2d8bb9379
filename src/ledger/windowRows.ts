import type { PredictionTask } from '../domain/Task.js';
import type { TaskRunRecord, WindowOrigin, WindowRecord, WindowState } from './windowTypes.js';

/**
 * Rows as SqlClient returns them. bigint columns arrive as numbers on both dialects (see SqlClient); COUNT(*)
 * and other computed bigints are typed `number | string` and read with `Number()` all the same, so a
 * driver that returns int8 as text (node-postgres' default) cannot slip a string into a record.
 */
type Int = number | string;

export interface WindowRow {
  task_id: string;
  project: string;
  model: string;
  revision: string;
  from_ms: Int;
  to_ms: Int;
  state: WindowState;
  origin: WindowOrigin;
  attempts: Int;
  created_at: Int;
  enqueued_at: Int | null;
  started_at: Int | null;
  finished_at: Int | null;
  error_class: string | null;
  error_message: string | null;
  rows_written: Int | null;
  quality: string | null;
  runner: string | null;
  lease_expires_at: Int | null;
}

export interface RunRow {
  task_id: string;
  attempt: Int;
  executor: string;
  started_at: Int;
  finished_at: Int;
  status: TaskRunRecord['status'];
  error_class: string | null;
  error_message: string | null;
  rows_written: Int | null;
}

export function rowToTask(row: Pick<WindowRow, 'task_id' | 'project' | 'model' | 'revision' | 'from_ms' | 'to_ms'>): PredictionTask {
  return {
    id: row.task_id,
    project: row.project,
    model: row.model,
    revision: row.revision,
    window: { fromMs: Number(row.from_ms), toMs: Number(row.to_ms) },
  };
}

export function rowToWindowRecord(row: WindowRow): WindowRecord {
  return {
    taskId: row.task_id,
    project: row.project,
    model: row.model,
    revision: row.revision,
    window: { fromMs: Number(row.from_ms), toMs: Number(row.to_ms) },
    state: row.state,
    origin: row.origin,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    ...optionalNumber('enqueuedAt', row.enqueued_at),
    ...optionalNumber('startedAt', row.started_at),
    ...optionalNumber('finishedAt', row.finished_at),
    ...(row.error_class === null ? {} : { errorClass: row.error_class }),
    ...(row.error_message === null ? {} : { errorMessage: row.error_message }),
    ...optionalNumber('rowsWritten', row.rows_written),
    ...(row.quality === null ? {} : { quality: JSON.parse(row.quality) as Record<string, number> }),
    ...(row.runner === null || row.runner === undefined ? {} : { runner: row.runner }),
    ...optionalNumber('leaseExpiresAt', row.lease_expires_at ?? null),
  };
}

export function rowToRun(row: RunRow): TaskRunRecord {
  return {
    taskId: row.task_id,
    attempt: Number(row.attempt),
    executor: row.executor,
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
    status: row.status,
    ...(row.error_class === null ? {} : { errorClass: row.error_class }),
    ...(row.error_message === null ? {} : { errorMessage: row.error_message }),
    ...optionalNumber('rowsWritten', row.rows_written),
  };
}

export function toCount(value: Int | undefined): number {
  return value === undefined ? 0 : Number(value);
}

export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

export function* chunk<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function optionalNumber<K extends string>(key: K, value: Int | null): Partial<Record<K, number>> {
  return value === null ? {} : ({ [key]: Number(value) } as Record<K, number>);
}
