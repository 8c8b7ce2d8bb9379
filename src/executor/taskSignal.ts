import { timeoutSignal, type TimeoutSignal } from '../runtime/abort.js';

export { abandonOnAbort } from '../runtime/abort.js';

/** The cancellation of one task: its caller's signal (shutdown) or its own deadline, whichever fires first. */
export type TaskSignal = TimeoutSignal;

/** The task's signal: `parent` (shutdown) joined with a deadline `timeoutMs` from now. */
export function createTaskSignal(parent: AbortSignal | undefined, timeoutMs: number): TaskSignal {
  return timeoutSignal(parent, timeoutMs, `task timed out after ${timeoutMs} ms`);
}
