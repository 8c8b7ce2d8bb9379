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

/** JSON lines (pino) by default; human-readable when writing to a terminal or asked for. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
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
  debug() {}, info() {}, warn() {}, error() {},
  child() { return silentLogger; },
};

class PinoAdapter implements Logger {
  constructor(private readonly inner: PinoLogger) {}
  debug(message: string, fields?: LogFields): void { this.inner.debug(fields ?? {}, message); }
  info(message: string, fields?: LogFields): void { this.inner.info(fields ?? {}, message); }
  warn(message: string, fields?: LogFields): void { this.inner.warn(fields ?? {}, message); }
  error(message: string, fields?: LogFields): void { this.inner.error(fields ?? {}, message); }
  child(fields: LogFields): Logger { return new PinoAdapter(this.inner.child(fields)); }
}
