/**
 * Loading the CLI's modules takes a moment; a SIGTERM or SIGINT that arrives meanwhile (a supervisor
 * stopping a process that is still starting) would kill it before its handlers exist. The bin captures
 * such signals first thing, and `runCommand` delivers them again once the command's own handling is
 * in place: a long-running command then stops gracefully, any other ends as a signal would end it.
 * No imports: this module must load before everything else.
 */
const received: NodeJS.Signals[] = [];
const remember = (signal: NodeJS.Signals): void => {
  received.push(signal);
};

/** Message a child of `latigo start` sends once a SIGTERM can no longer kill it mid-start. */
export const SIGNALS_READY = 'latigo:signals-ready';

export function captureEarlySignals(): void {
  process.on('SIGINT', remember);
  process.on('SIGTERM', remember);
  process.send?.(SIGNALS_READY, undefined, undefined, () => {
    /* parent gone: nothing to tell */
  });
}

/** Stops capturing and sends the captured signals to this process again. */
export function redeliverEarlySignals(): void {
  process.off('SIGINT', remember);
  process.off('SIGTERM', remember);
  for (const signal of received.splice(0)) process.kill(process.pid, signal);
}
