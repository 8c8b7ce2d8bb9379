import type { Database } from '../persistence/dataSource.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';

/** What a process says about itself in each heartbeat. */
export interface ProcessHeartbeat {
  name: string;
  role: string;
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  inFlight: number;
  done: number;
  failed: number;
  /** Tasks finished per second since the previous heartbeat. */
  rate: number;
  /** The executor pool (executor.pools) the process serves; absent: every kind. */
  pool?: string;
}

/** A registered process as listed: `lost` once its last heartbeat is older than the configured time. */
export interface ProcessRecord extends ProcessHeartbeat {
  lastSeen: number;
  state: 'live' | 'lost';
}

type Int = number | string;
interface ProcessRow {
  name: string;
  role: string;
  host: string;
  pid: Int;
  version: string;
  started_at: Int;
  last_seen: Int;
  in_flight: Int;
  done: Int;
  failed: Int;
  rate: number | string;
  pool: string | null;
}

/**
 * The `process` table: every scheduler, executor and api process upserts its row on each heartbeat. Nothing
 * is told when a process dies; a row whose heartbeat stopped is shown `lost`, then deleted by `forget`.
 */
export class ProcessRegistry {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'process registry');
  }

  async beat(heartbeat: ProcessHeartbeat, now: number): Promise<void> {
    const h = heartbeat;
    await this.sql.run(
      `INSERT INTO process (name, role, host, pid, version, started_at, last_seen, in_flight, done, failed, rate, pool)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET role = excluded.role, host = excluded.host, pid = excluded.pid,
         version = excluded.version, started_at = excluded.started_at, last_seen = excluded.last_seen,
         in_flight = excluded.in_flight, done = excluded.done, failed = excluded.failed, rate = excluded.rate,
         pool = excluded.pool`,
      [h.name, h.role, h.host, h.pid, h.version, h.startedAt, now, h.inFlight, h.done, h.failed, h.rate, h.pool ?? null],
    );
  }

  /** Every registered process by name; `lost` when silent for longer than `lostAfterMs`. */
  async list(now: number, lostAfterMs: number, role?: string): Promise<ProcessRecord[]> {
    const rows = await this.sql.query<ProcessRow>(
      `SELECT * FROM process ${role === undefined ? '' : 'WHERE role = ?'} ORDER BY name`,
      role === undefined ? [] : [role],
    );
    return rows.map((r) => {
      const lastSeen = Number(r.last_seen);
      return {
        name: r.name,
        role: r.role,
        host: r.host,
        pid: Number(r.pid),
        version: r.version,
        startedAt: Number(r.started_at),
        lastSeen,
        inFlight: Number(r.in_flight),
        done: Number(r.done),
        failed: Number(r.failed),
        rate: Number(r.rate),
        ...(r.pool === null || r.pool === undefined ? {} : { pool: r.pool }),
        state: now - lastSeen > lostAfterMs ? 'lost' : 'live',
      };
    });
  }

  /** Deletes the rows of processes silent since before `olderThan`; returns how many. */
  async forget(olderThan: number): Promise<number> {
    const rows = await this.sql.query(`DELETE FROM process WHERE last_seen < ? RETURNING name`, [olderThan]);
    return rows.length;
  }
}
