/** Current time in epoch milliseconds. Injected so tests can drive time. */
export type Clock = () => number;
export const Clock = Symbol.for('latigo.Clock');
export const systemClock: Clock = () => Date.now();

/** Who this process is in logs, leases and task runs, e.g. `executor-1`. */
export const ProcessName = Symbol.for('latigo.ProcessName');
