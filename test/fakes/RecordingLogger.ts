import type { LogFields, Logger } from '../../src/runtime/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
  /** The line's own fields merged over the context of every `child` it was logged through. */
  fields: LogFields;
}

/** A Logger that keeps every line, children included, for assertions on what was logged and with what context. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly context: LogFields = {},
  ) {}

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

  child(fields: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.context, ...fields });
  }

  /** Lines whose message is `message`, in order. */
  withMessage(message: string): LogLine[] {
    return this.lines.filter((l) => l.message === message);
  }

  private write(level: LogLevel, message: string, fields: LogFields = {}): void {
    this.lines.push({ level, message, fields: { ...this.context, ...fields } });
  }
}
