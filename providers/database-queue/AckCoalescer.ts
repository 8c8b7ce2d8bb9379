import { rowsPerStatement, valuesList, type SqlClient, type SqlParam } from '../../src/persistence/sql/SqlClient.js';

interface PendingAck {
  readonly id: string;
  readonly leaseToken: string;
  resolve(deleted: boolean): void;
  reject(err: unknown): void;
}

const PARAMS_PER_ACK = 2;
const MAX_ACKS_PER_STATEMENT = Math.min(1_000, rowsPerStatement(PARAMS_PER_ACK));

// Row values with a VALUES list: SQLite (3.15+) and PostgreSQL both take it, and both use the primary key
// for each row. An ack whose token no longer matches (its lease expired and was handed on) deletes nothing.
const deleteSql = (rows: number) =>
  `DELETE FROM queue_message WHERE (id, lease_token) IN (VALUES ${valuesList(rows, PARAMS_PER_ACK)}) RETURNING id, lease_token`;

/**
 * Group commit for acks. An executor acks each task as it finishes, several side by side; one DELETE per
 * ack costs a round trip and a commit each, which on PostgreSQL was most of the queue's cost per task.
 * Acks made in the same turn of the event loop, and those made while a delete is in flight, go out
 * together as one statement when the connection is free again. No ack waits on a timer: the first one
 * goes out on the next turn of the loop.
 *
 * Each ack still learns whether its own row was deleted, so the contract's lease_lost answer is kept.
 * A failed statement fails every ack in it (none of them was deleted: the statement is atomic).
 */
export class AckCoalescer {
  private pending: PendingAck[] = [];
  private flushing = false;

  constructor(private readonly sql: SqlClient) {}

  /** Resolves true when this delivery's row was deleted, false when its lease was lost. */
  ack(id: string, leaseToken: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ id, leaseToken, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_ACKS_PER_STATEMENT);
      const params: SqlParam[] = [];
      for (const a of batch) params.push(a.id, a.leaseToken);
      try {
        const rows = await this.sql.query<{ id: string; lease_token: string }>(deleteSql(batch.length), params);
        const deleted = new Set(rows.map((r) => deliveryKey(r.id, r.lease_token)));
        for (const a of batch) {
          // The same delivery acked twice in one batch: the first ack took the row, the second finds it gone,
          // as it would one statement later.
          const key = deliveryKey(a.id, a.leaseToken);
          a.resolve(deleted.delete(key));
        }
      } catch (err) {
        for (const a of batch) a.reject(err);
      }
    }
    this.flushing = false;
  }
}

const deliveryKey = (id: string, leaseToken: string) => `${id}\u0000${leaseToken}`;
