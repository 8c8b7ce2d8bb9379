import { installShutdownHandlers } from '../runtime/shutdown.js';
import type { LogFields, Logger } from '../runtime/logger.js';

/**
 * Fires on SIGINT/SIGTERM, and, for a child of `latigo start`, when the parent disappears: the
 * children run in their own process group (so Ctrl-C reaches only the parent, which then stops
 * them in order), and the IPC channel closing is how a child learns that its parent was killed.
 */
export function installStopSignal(log: Logger): AbortSignal {
  const signals = [installShutdownHandlers(log)];
  if (typeof process.send === 'function') {
    const parentGone = new AbortController();
    process.once('disconnect', () => {
      log.warn('parent process is gone; shutting down');
      parentGone.abort(new Error('parent process exited'));
    });
    // The channel must not keep this process alive on its own.
    (process.channel as { unref?: () => void } | undefined)?.unref?.();
    signals.push(parentGone.signal);
  }
  return AbortSignal.any(signals);
}

/**
 * A logger to hand out before the configuration (and so the real logger) exists: signal handlers are
 * installed first thing, so a SIGTERM during start-up stops the process cleanly instead of killing it.
 * Lines logged before `attach` are kept and replayed.
 */
export class DeferredLogger implements Logger {
  private target: Logger | undefined;
  private readonly pending: { level: LogLevel; message: string; fields?: LogFields }[] = [];

  attach(target: Logger): void {
    this.target = target;
    for (const line of this.pending.splice(0)) target[line.level](line.message, line.fields);
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  /** Before `attach`, a child that adds `fields` to each line it passes here (kept, then replayed, like any other). */
  child(fields: LogFields): Logger {
    return this.target ? this.target.child(fields) : new FieldsLogger(this, fields);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (this.target) this.target[level](message, fields);
    else this.pending.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  }
}

type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A child of a logger that has no children of its own yet: merges its fields under each line's own. */
class FieldsLogger implements Logger {
  constructor(
    private readonly parent: Logger,
    private readonly fields: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.parent.debug(message, { ...this.fields, ...fields });
  }
  info(message: string, fields?: LogFields): void {
    this.parent.info(message, { ...this.fields, ...fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.parent.warn(message, { ...this.fields, ...fields });
  }
  error(message: string, fields?: LogFields): void {
    this.parent.error(message, { ...this.fields, ...fields });
  }

  child(fields: LogFields): Logger {
    return new FieldsLogger(this.parent, { ...this.fields, ...fields });
  }
}
