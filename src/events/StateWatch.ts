import { randomUUID } from 'node:crypto';
import type { Database } from '../persistence/Database.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';
import { EventOutbox } from './EventOutbox.js';
import type { NewEvent } from './eventTypes.js';

/** One watched thing's state now, and the event that reports a change to it. */
export interface Observation {
  /** `<kind>:<name>`, e.g. `model:demo/pump-01`, `executor:executor-1`; the kind is the family's prefix. */
  readonly key: string;
  readonly state: string;
  readonly event: NewEvent;
}

/**
 * States that are observed rather than written (a model stale or fresh, an executor live or lost): each pass
 * compares what is observed now with the last recorded state (`watch_state`) and appends an event to the
 * outbox for each change, once whichever api process observes it first. The state update is conditional on
 * the old state and stamps a token; the event is appended in the same transaction only where the token is
 * ours, so a second observer of the same change appends nothing. A thing first seen only records its state
 * (no event for what was already so before anyone watched); one no longer observed is forgotten silently.
 */
export class StateWatch {
  private readonly sql: SqlClient;
  private readonly outbox: EventOutbox;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new SqlClient(db, 'events');
    this.outbox = new EventOutbox(db, clock);
  }

  /** Records the observations of one family (`prefix`, e.g. `model:`); resolves with the changes it saw (another observer may have appended their events first). */
  async observe(prefix: string, observations: readonly Observation[]): Promise<number> {
    const rows = await this.sql.query<{ key: string; state: string }>(`SELECT key, state FROM watch_state WHERE key LIKE ?`, [
      `${prefix}%`,
    ]);
    const recorded = new Map(rows.map((r) => [r.key, r.state]));
    const now = this.clock();
    let changes = 0;
    for (const o of observations) {
      if (!o.key.startsWith(prefix)) throw new Error(`observation ${o.key} is not of the family ${prefix}`);
      const before = recorded.get(o.key);
      recorded.delete(o.key);
      if (before === o.state) continue;
      if (before === undefined) {
        await this.sql.run(`INSERT INTO watch_state (key, state, token, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`, [
          o.key,
          o.state,
          randomUUID(),
          now,
        ]);
        continue;
      }
      const token = randomUUID();
      await this.sql.transaction([
        {
          sql: `UPDATE watch_state SET state = ?, token = ?, updated_at = ? WHERE key = ? AND state = ?`,
          params: [o.state, token, now, o.key, before],
        },
        ...this.outbox.appendStatements([o.event], {
          where: `EXISTS (SELECT 1 FROM watch_state WHERE key = ? AND token = ?)`,
          params: [o.key, token],
        }),
      ]);
      changes++;
    }
    for (const key of recorded.keys()) await this.sql.run(`DELETE FROM watch_state WHERE key = ?`, [key]);
    return changes;
  }
}
