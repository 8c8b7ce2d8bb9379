import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** The one logging interface. Messages are constant text; ids and numbers go in `fields`. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}
export type LogFields = Record<string, unknown>;
export const Logger = Symbol.for('latigo.Logger');

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Bound on every line, e.g. `{ process: 'executor-1' }`. */
  base?: LogFields;
  /** Defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** A string field longer than this is cut (a 5 MB model name once wrote 31 MB of logs). */
export const MAX_LOG_FIELD_LENGTH = 2_000;

let failedWrites = 0;

/** Log lines the destination refused (a full disk, a closed pipe) since the process started. */
export function loggingFailures(): number {
  return failedWrites;
}

/**
 * A log destination that fails (ENOSPC on a full disk, EPIPE when the reader of stdout went away) must
 * not take the process down with an unhandled 'error' event: the first failure is said once on stderr
 * (itself guarded), and every failure is counted.
 */
export function survivingWriteErrors(destination: NodeJS.WritableStream): void {
  const marked = destination as NodeJS.WritableStream & { [guarded]?: true };
  if (marked[guarded]) return;
  marked[guarded] = true;
  destination.on('error', (err: NodeJS.ErrnoException) => {
    if (failedWrites++ > 0) return;
    try {
      if (destination !== process.stderr)
        process.stderr.write(`latigo: cannot write log lines (${err.code ?? err.message}); continuing without them\n`);
    } catch {
      // stderr is gone too: nothing is left to tell.
    }
  });
}
const guarded = Symbol('latigo.logErrorsGuarded');

/** JSON lines (pino) by default; human-readable when writing to a terminal or asked for. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  survivingWriteErrors(destination);
  const isTty = 'isTTY' in destination && Boolean((destination as NodeJS.WriteStream).isTTY);
  const usePretty = options.format === 'pretty' || (options.format === 'auto' && isTty);
  const stream = usePretty
    ? pretty({ destination, sync: true, colorize: isTty, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : destination;
  const base = { ...(options.base ?? {}) };
  return new PinoAdapter(pino({ level: options.level, base, timestamp: pino.stdTimeFunctions.isoTime }, stream));
}

/** Discards everything; for tests and library use without logs. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

class PinoAdapter implements Logger {
  constructor(private readonly inner: PinoLogger) {}
  debug(message: string, fields?: LogFields): void {
    this.inner.debug(bounded(fields), message);
  }
  info(message: string, fields?: LogFields): void {
    this.inner.info(bounded(fields), message);
  }
  warn(message: string, fields?: LogFields): void {
    this.inner.warn(bounded(fields), message);
  }
  error(message: string, fields?: LogFields): void {
    this.inner.error(bounded(fields), message);
  }
  child(fields: LogFields): Logger {
    return new PinoAdapter(this.inner.child(bounded(fields)));
  }
}

/** The fields with every string value cut to MAX_LOG_FIELD_LENGTH, saying how much was cut. */
export function bounded(fields: LogFields | undefined): LogFields {
  if (fields === undefined) return {};
  let out: LogFields | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string' || value.length <= MAX_LOG_FIELD_LENGTH) continue;
    out ??= { ...fields };
    out[key] =
      `${value.slice(0, MAX_LOG_FIELD_LENGTH)}… (${(value.length - MAX_LOG_FIELD_LENGTH).toLocaleString('en-US')} more characters)`;
  }
  return out ?? fields;
}
