import { setTimeout as sleep } from 'node:timers/promises';
import type { PredictionTask } from '../domain/Task.js';
import type { ExecutorLedger, LedgerBegin } from './ExecutorLedger.js';

export interface ClaimOptions {
  /** How long the claim fences the window against other deliveries: the task's own deadline. */
  readonly leaseMs: number;
  /** Longest wait for another delivery's claim to end; kept below the queue lease of this delivery. */
  readonly maxWaitMs: number;
  /** How often the ledger is asked again while waiting. */
  readonly pollMs: number;
  /** Shutdown: stop waiting at once. */
  readonly signal?: AbortSignal;
}

/** `fenced`: another delivery held a live claim on the window at least once while this one asked. */
export interface Claim {
  readonly begun: LedgerBegin;
  readonly fenced: boolean;
}

/**
 * Begins the window in the ledger. While another delivery holds a live claim on it (a duplicate delivery,
 * see WindowLedger.begin), waits for that claim to end instead of running the window a second time: the
 * other run finishes (then this delivery is acked as a duplicate), or its claim expires because its
 * runner died (then this one runs the window). Waiting rather than releasing at once keeps a duplicate
 * from bouncing between executors; the wait is bounded so this delivery's own queue lease never lapses.
 */
export async function claimWindow(ledger: ExecutorLedger, task: PredictionTask, executor: string, options: ClaimOptions): Promise<Claim> {
  const deadline = performance.now() + options.maxWaitMs;
  let fenced = false;
  for (;;) {
    const begun = await ledger.begin(task, executor, { leaseMs: options.leaseMs });
    if (begun.proceed || begun.state !== 'running') return { begun, fenced };
    fenced = true;
    const left = deadline - performance.now();
    if (left <= 0 || options.signal?.aborted === true) return { begun, fenced };
    await sleep(Math.min(options.pollMs, left), undefined, options.signal ? { signal: options.signal } : {}).catch(() => {});
  }
}
