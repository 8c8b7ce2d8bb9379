import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../src/runtime/logger.js';
import { Wakeups } from './Wakeups.js';

/**
 * SQLite's stand-in for LISTEN/NOTIFY: waiting receivers wake as soon as any process writes the database,
 * instead of at their next poll. It watches the folder for changes to the file and its WAL (`-wal`; every
 * commit in WAL mode appends to it), through the operating system's file notifications (inotify, FSEvents),
 * so a send in a scheduler or api process wakes idle executors at once. A wake-up only says "look now": the
 * receiver then checks with a cheap read whether a message is ready (writes of acks and the ledger wake it
 * too). Where the folder cannot be watched, receivers keep polling. Same shape as PostgresQueueListener.
 */
export class SqliteQueueWatcher {
  private readonly wakeupSignal = new Wakeups();
  private watcher: FSWatcher | undefined;
  private state: 'idle' | 'watching' | 'closed' = 'idle';

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  get wakeups(): number {
    return this.wakeupSignal.count;
  }

  /** Starts watching, once; never throws (a folder that cannot be watched leaves receivers polling). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'watching';
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed.startsWith(name)) this.wake();
      });
      this.watcher.on('error', (err) => {
        this.log.debug('sqlite queue watch ended; receivers poll', { error: String(err) });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.log.debug('sqlite queue watch unavailable; receivers poll', { error: String(err) });
    }
  }

  /** As Wakeups.wait: at once if woken after `since`, else at the next wake-up or after `timeoutMs`. */
  waitForWakeup(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wakeupSignal.wait(since, timeoutMs, signal);
  }

  /** Stops watching. Idempotent. */
  close(): void {
    this.state = 'closed';
    this.watcher?.close();
    this.watcher = undefined;
    this.wakeupSignal.releaseWaiters();
  }

  private wake(): void {
    this.wakeupSignal.wake();
  }
}
