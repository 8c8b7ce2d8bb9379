import type { Database } from '../persistence/Database.js';
import { SqlClient, inList, type SqlParam, type Statement } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';
import { isEventType, type EventType, type NewEvent, type StoredEvent } from './eventTypes.js';

/** PostgreSQL: the channel an append notifies (on commit), so followers read at once instead of at their next poll. */
export const EVENTS_CHANNEL = 'latigo_events';
/**
 * PostgreSQL: any fixed number (beside the migration and demo-seed keys), the key of the transaction-level
 * advisory lock every append takes just before its INSERT. Appends then take ids in commit order, so a reader
 * never sees id n+1 while id n may still commit: what a reader has seen is always a prefix, and "events after
 * id n" misses nothing. SQLite has one writer at a time anyway.
 */
export const APPEND_LOCK_KEY = 0x6c617465;
/** Events per INSERT statement: 6 parameters each, far below either database's limit. */
const APPEND_CHUNK = 1_000;

/**
 * A condition every appended event must meet, checked inside the transaction: e.g. "the window is now in the
 * state this event reports" (a duplicate delivery's outcome that the ledger refused appends nothing). `where`
 * is SQL that may read the event's own key as `v.column6`; `keys` gives that key per event (in order).
 */
export interface AppendGuard {
  readonly where: string;
  readonly params: readonly SqlParam[];
  readonly keys?: readonly SqlParam[];
}

export interface ReadOptions {
  /** Most events returned. */
  readonly limit: number;
  /** Only these types (all when omitted). */
  readonly types?: readonly EventType[];
  /** Only these models (all when omitted). */
  readonly models?: readonly { readonly project: string; readonly model: string }[];
}

/** One page of events; `nextId` is the cursor for the next read (past rows of a type this version does not know). */
export interface EventPage {
  readonly events: StoredEvent[];
  readonly nextId: number;
}

/**
 * The durable outbox of events (the `event` table; ARCHITECTURE invariant 9). Writers append events in the
 * transaction of the state change they report (`appendStatements`, placed last in it); readers follow it by
 * id (`readSince`), on PostgreSQL woken by NOTIFY on EVENTS_CHANNEL, on SQLite by polling. Retention prunes
 * it by age and size (`prune`).
 */
export class EventOutbox {
  private readonly sql: SqlClient;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new SqlClient(db, 'events');
  }

  /**
   * The statements that append `events` (in order) to put at the end of the caller's transaction: an append
   * holds PostgreSQL's append lock from its INSERT to the commit, so nothing should follow it that waits.
   */
  appendStatements(events: readonly NewEvent[], guard?: AppendGuard): Statement[] {
    if (events.length === 0) return [];
    const createdAt = this.clock();
    const statements: Statement[] = [];
    if (this.db.dialect === 'postgres') statements.push({ sql: `SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`, params: [] });
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const part = events.slice(start, start + APPEND_CHUNK);
      const params: SqlParam[] = [createdAt];
      part.forEach((e, i) =>
        params.push(e.type, e.project, e.model, e.revision ?? null, JSON.stringify(e.data), guard?.keys?.[start + i] ?? null),
      );
      if (guard !== undefined) params.push(...guard.params);
      statements.push({
        // VALUES columns are column1..column6 on both databases; CAST: PostgreSQL types a bare parameter as text.
        sql: `INSERT INTO event (type, project, model, revision, payload, created_at)
              SELECT v.column1, v.column2, v.column3, v.column4, v.column5, CAST(? AS BIGINT)
              FROM (VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}) AS v${guard === undefined ? '' : ` WHERE ${guard.where}`}`,
        params,
      });
    }
    if (this.db.dialect === 'postgres') statements.push({ sql: `SELECT pg_notify('${EVENTS_CHANNEL}', '')`, params: [] });
    return statements;
  }

  /** Appends `events` in a transaction of their own (for events that report no state change of this database). */
  async append(events: readonly NewEvent[]): Promise<void> {
    if (events.length > 0) await this.sql.transaction(this.appendStatements(events));
  }

  /** Events with an id above `afterId`, oldest first. */
  async readSince(afterId: number, options: ReadOptions): Promise<EventPage> {
    const where = ['id > ?'];
    const params: SqlParam[] = [afterId];
    if (options.types !== undefined) {
      where.push(`type IN (${inList(options.types.length)})`);
      params.push(...options.types);
    }
    if (options.models !== undefined) {
      where.push(`(${options.models.map(() => '(project = ? AND model = ?)').join(' OR ') || 'FALSE'})`);
      for (const m of options.models) params.push(m.project, m.model);
    }
    const rows = await this.sql.query<EventRow>(
      `SELECT id, type, project, model, revision, payload, created_at FROM event WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      [...params, options.limit],
    );
    const events: StoredEvent[] = [];
    for (const row of rows) {
      const event = toStoredEvent(row);
      if (event !== undefined) events.push(event);
    }
    const last = rows[rows.length - 1];
    const nextId = last === undefined ? afterId : Number(last.id);
    return { events, nextId };
  }

  /** The newest event's id; 0 when the outbox is empty. */
  async latestId(): Promise<number> {
    const rows = await this.sql.query<{ id: number | string | null }>(`SELECT MAX(id) AS id FROM event`, []);
    return Number(rows[0]?.id ?? 0);
  }

  /** The oldest event's id still held; undefined when the outbox is empty. Older ids were pruned. */
  async oldestId(): Promise<number | undefined> {
    const rows = await this.sql.query<{ id: number | string | null }>(`SELECT MIN(id) AS id FROM event`, []);
    const id = rows[0]?.id;
    return id === null || id === undefined ? undefined : Number(id);
  }

  /**
   * Retention: deletes events created before `olderThanMs` and all but the newest `keepRows` ids, oldest
   * first, in chunks of `chunkSize` (one statement each, so a large first prune holds no long lock).
   * Returns how many events it deleted.
   */
  async prune(options: { olderThanMs?: number; keepRows?: number; chunkSize?: number }): Promise<number> {
    const chunkSize = options.chunkSize ?? 10_000;
    let pruned = 0;
    const deleteWhile = async (where: string, param: number): Promise<void> => {
      for (;;) {
        const n = await this.sql.run(`DELETE FROM event WHERE id IN (SELECT id FROM event WHERE ${where} ORDER BY id LIMIT ?)`, [
          param,
          chunkSize,
        ]);
        pruned += n;
        if (n < chunkSize) return;
      }
    };
    if (options.olderThanMs !== undefined) await deleteWhile('created_at < ?', options.olderThanMs);
    if (options.keepRows !== undefined) {
      const newest = await this.latestId();
      if (newest > options.keepRows) await deleteWhile('id <= ?', newest - options.keepRows);
    }
    return pruned;
  }
}

interface EventRow {
  id: number | string;
  type: string;
  project: string;
  model: string;
  revision: string | null;
  payload: string;
  created_at: number | string;
}

/** A row as an event; undefined for a type this version does not know (written by a newer one): readers skip it. */
function toStoredEvent(row: EventRow): StoredEvent | undefined {
  if (!isEventType(row.type)) return undefined;
  return {
    id: Number(row.id),
    type: row.type,
    project: row.project,
    model: row.model,
    ...(row.revision === null ? {} : { revision: row.revision }),
    createdAt: Number(row.created_at),
    // The payload was written from EventData[type] by appendStatements.
    data: JSON.parse(row.payload) as never,
  };
}
