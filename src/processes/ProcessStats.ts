import type { ExecutorObserver, ProviderCallFinished, TaskFinished } from '../executor/ExecutorObserver.js';

/** Counters a heartbeat reports: tasks in flight, done and failed since the process started. */
export interface ProcessCounters {
  inFlight: number;
  done: number;
  failed: number;
}

const failedOutcomes = new Set<TaskFinished['outcome']>(['failed', 'dead', 'malformed']);

/** Counts an executor's tasks for its heartbeat. Only counts (observer rule: no I/O, never throws). */
export class ExecutorStats implements ExecutorObserver {
  private started = 0;
  private done = 0;
  private failed = 0;

  taskStarted(): void {
    this.started++;
  }

  taskFinished(event: TaskFinished): void {
    if (event.outcome === 'released')
      this.started--; // handed back untouched: neither done nor failed
    else if (failedOutcomes.has(event.outcome)) this.failed++;
    else this.done++;
  }

  providerCall(_event: ProviderCallFinished): void {}

  counters(): ProcessCounters {
    return { inFlight: Math.max(0, this.started - this.done - this.failed), done: this.done, failed: this.failed };
  }
}

/** Tells several observers of the same executor (metrics and heartbeat counters). */
export function bothObservers(a: ExecutorObserver, b: ExecutorObserver | undefined): ExecutorObserver {
  if (b === undefined) return a;
  return {
    taskStarted: () => {
      a.taskStarted?.();
      b.taskStarted?.();
    },
    taskFinished: (event) => {
      a.taskFinished(event);
      b.taskFinished(event);
    },
    providerCall: (event) => {
      a.providerCall(event);
      b.providerCall(event);
    },
  };
}
