import type BetterSqlite3 from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSqliteLockContention } from './errors.js';

/** How often the queue tries the write lock again while another process holds it. */
const LOCK_POLL_MS = 1;

interface PendingWrite {
  readonly work: () => unknown;
  readonly deadline: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The writes of one SQLite connection, taking the database's single write lock without blocking the thread,
 * and committing together whatever queued while they waited.
 *
 * SQLite's busy handler waits for another process's lock by sleeping the thread (1, 2, 5, 10 ms ...), and an
 * executor's other tasks could not read or score meanwhile. Here the lock is tried without the busy handler
 * and, while it is taken, tried again from the event loop every LOCK_POLL_MS by one waiter per connection
 * (not one per write: eight waiting tasks polling each on their own cost more than the wait). Once it is
 * ours, every queued write runs in its own SAVEPOINT (one that throws is rolled back alone and rejects alone)
 * and they commit as one transaction: fewer commits, and fewer times the other processes' page caches are
 * invalidated by a change to the database. A write still waiting when the connection's busy timeout has
 * passed rejects with SQLite's own SQLITE_BUSY error, as with the busy handler.
 */
export class SqliteWriteQueue {
  private readonly pending: PendingWrite[] = [];
  private draining = false;
  /** The connection's busy timeout (database.busy_timeout): how long a write waits for the lock in all. */
  private readonly busyTimeoutMs: number;
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  private readonly rollback: BetterSqlite3.Statement;
  private readonly savepoint: BetterSqlite3.Statement;
  private readonly release: BetterSqlite3.Statement;
  private readonly rollbackToSavepoint: BetterSqlite3.Statement;
  /** Puts the connection's busy timeout back after a try of the lock. */
  private readonly restoreBusyTimeout: string;
  /** SQLite's answer to the last try of the lock, for the writes that time out. */
  private lastBusy?: Error;

  /** The queue of `connection`: one per connection, however many SqlClients share it. */
  static of(connection: BetterSqlite3.Database): SqliteWriteQueue {
    let queue = queues.get(connection);
    if (queue === undefined) {
      queue = new SqliteWriteQueue(connection);
      queues.set(connection, queue);
    }
    return queue;
  }

  private constructor(private readonly connection: BetterSqlite3.Database) {
    this.busyTimeoutMs = Number(connection.pragma('busy_timeout', { simple: true }));
    this.restoreBusyTimeout = `PRAGMA busy_timeout = ${this.busyTimeoutMs}`;
    this.begin = connection.prepare('BEGIN IMMEDIATE');
    this.commit = connection.prepare('COMMIT');
    this.rollback = connection.prepare('ROLLBACK');
    this.savepoint = connection.prepare('SAVEPOINT latigo_write');
    this.release = connection.prepare('RELEASE latigo_write');
    this.rollbackToSavepoint = connection.prepare('ROLLBACK TO latigo_write');
  }

  /** Runs `work` (synchronous: nothing else runs inside its transaction) holding the write lock, and commits it. */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, deadline: performance.now() + this.busyTimeoutMs, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        if (this.tryBegin()) this.runGroup(this.pending.splice(0));
        else {
          this.rejectExpired();
          if (this.pending.length > 0) await sleep(LOCK_POLL_MS);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Runs the group inside the transaction tryBegin opened, each write in its savepoint, and commits. */
  private runGroup(group: readonly PendingWrite[]): void {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      for (const write of group) {
        if (group.length === 1) {
          outcomes.push({ ok: true, value: write.work() });
          continue;
        }
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: write.work() });
          this.release.run();
        } catch (err) {
          this.rollbackToSavepoint.run();
          this.release.run();
          outcomes.push({ ok: false, value: err });
        }
      }
      this.commit.run();
    } catch (err) {
      // A lone write that threw, or a failed COMMIT (or savepoint statement): nothing of the group is kept.
      if (this.connection.inTransaction) this.rollback.run();
      for (const write of group) write.reject(err);
      return;
    }
    group.forEach((write, i) => (outcomes[i]!.ok ? write.resolve(outcomes[i]!.value) : write.reject(outcomes[i]!.value)));
  }

  /** BEGIN IMMEDIATE if the write lock is free now (and no transaction of TypeORM's is open on the connection). */
  private tryBegin(): boolean {
    if (this.connection.inTransaction) return false;
    // Set afresh each time: SQLite applies this pragma when the statement is prepared, not when it is stepped.
    // `exec`, not `pragma()`: the latter builds a Statement object per call, and this runs twice a write
    // (2 % of an executor's CPU in cycle-embedded).
    this.connection.exec('PRAGMA busy_timeout = 0');
    try {
      this.begin.run();
      return true;
    } catch (err) {
      if (isSqliteLockContention(err)) {
        this.lastBusy = err as Error;
        return false;
      }
      for (const write of this.pending.splice(0)) write.reject(err);
      return false;
    } finally {
      this.connection.exec(this.restoreBusyTimeout);
    }
  }

  /** Rejects the writes that waited past the busy timeout with SQLite's SQLITE_BUSY. */
  private rejectExpired(): void {
    const now = performance.now();
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const write = this.pending[i]!;
      if (write.deadline > now) continue;
      this.pending.splice(i, 1);
      write.reject(
        this.lastBusy ??
          Object.assign(new Error('database is locked: a transaction stayed open on the connection'), { code: 'SQLITE_BUSY' }),
      );
    }
  }
}

/** Keyed by the connection, whose lifetime TypeORM owns: a closed connection's queue goes with it. */
const queues = new WeakMap<BetterSqlite3.Database, SqliteWriteQueue>();
