import type { Logger } from './logger.js';

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/** Conventional exit codes for a process ended by a signal (128 + signal number). */
const forcedExitCodes: Record<ShutdownSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** The part of `process` the handlers use; tests pass an EventEmitter. */
export interface SignalSourceLike {
  on(event: ShutdownSignal, listener: () => void): unknown;
}

export interface ShutdownOptions {
  /** Defaults to `process`. */
  source?: SignalSourceLike;
  /** Called on the second signal; defaults to `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Grace then force (Temporal's worker): the first SIGINT or SIGTERM aborts `signal`, so the process
 * stops taking work and drains; a second one means the operator will not wait, and exits at once.
 */
export class ShutdownController {
  private readonly controller = new AbortController();
  private received: ShutdownSignal | undefined;

  constructor(
    private readonly log: Logger,
    private readonly exit: (code: number) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Handles one delivery of `name`. */
  onSignal(name: ShutdownSignal): void {
    if (this.received === undefined) {
      this.received = name;
      this.log.info('shutting down: finishing work in flight (send the signal again to force)', { signal: name });
      this.controller.abort(new DOMException(`received ${name}`, 'AbortError'));
      return;
    }
    const code = forcedExitCodes[name];
    this.log.warn('forced exit: work in flight is abandoned and will be redelivered', { signal: name, exitCode: code });
    this.exit(code);
  }
}

const installed = new WeakMap<SignalSourceLike, ShutdownController>();

/**
 * Listens for SIGINT and SIGTERM on `options.source` (the process by default) and returns the signal
 * the first one aborts. Idempotent: installing again on the same source returns the same signal and
 * adds no listeners.
 */
export function installShutdownHandlers(log: Logger, options: ShutdownOptions = {}): AbortSignal {
  const source = options.source ?? process;
  const existing = installed.get(source);
  if (existing) return existing.signal;
  const shutdown = new ShutdownController(log, options.exit ?? ((code) => process.exit(code)));
  installed.set(source, shutdown);
  for (const name of Object.keys(forcedExitCodes) as ShutdownSignal[]) {
    source.on(name, () => shutdown.onSignal(name));
  }
  return shutdown.signal;
}
