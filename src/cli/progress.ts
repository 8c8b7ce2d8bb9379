import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

/** A progress bar for long CLI jobs (backfill, training, seeding). */
export interface Progress {
  /** `detail` (e.g. `1,234,567 points, 98,000 points/s`) is shown after the counts. */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  quietEveryMs?: number;
  /** `bytes`: counts shown as KB/MB/GB (the import bar); default plain numbers. */
  unit?: 'count' | 'bytes';
}

/** 1.5 MB, 230 KB, 12 B. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * A bar with ETA on stderr when it is a terminal; otherwise (pipes, CI, tests) one line per
 * `quietEveryMs` so logs stay readable and the last line still says how far the job got.
 */
export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const format = options.unit === 'bytes' ? formatBytes : String;
  if (stream.isTTY) return new TerminalProgress(label, stream, format);
  return new LineProgress(label, stream, options.quietEveryMs ?? 5_000, format);
}

/** The bar on the terminal now, if any: lines written through `barAwareStream` go above it. */
let activeBar: TerminalProgress | undefined;

/**
 * `stream` for log lines and child output: while a terminal bar is drawn, each write first clears the
 * bar's line and then draws the bar again below what was written, so a bar and a log record never share
 * a line (both streams are usually the same terminal). Without a bar, writes pass straight through.
 */
export function barAwareStream(stream: NodeJS.WriteStream): NodeJS.WritableStream & { isTTY: boolean } {
  const writable = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      // Passed on at once (not after the target's callback): a line logged just before process.exit must not
      // wait in this stream's buffer.
      const bar = activeBar;
      bar?.clearLine();
      stream.write(chunk);
      bar?.redraw();
      callback();
    },
  });
  // pino-pretty and createLogger choose colours and format by it.
  return Object.assign(writable, { isTTY: Boolean(stream.isTTY) });
}

class TerminalProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(
    label: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly formatValue: (n: number) => string = String,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {done}/{all}{detail} | ETA {eta_formatted} | {duration_formatted}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
        // Redrawn after every line written above it, even when its text did not change.
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(done: number, total: number, detail?: string): void {
    const payload = { done: this.formatValue(done), all: this.formatValue(total), detail: detail === undefined ? '' : ` | ${detail}` };
    if (!this.started) {
      activeBar?.stop(); // one bar at a time: the previous one ends on its own line
      this.bar.start(total, done, payload);
      this.started = true;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- the module remembers which bar owns the terminal line
      activeBar = this;
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done, payload);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (activeBar === this) activeBar = undefined;
    this.bar.stop();
  }

  clearLine(): void {
    this.stream.write('\r\x1b[2K');
  }

  redraw(): void {
    this.bar.render();
  }
}

class LineProgress implements Progress {
  private lastWrite = 0;
  private last: { done: number; total: number; detail: string | undefined } | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WritableStream,
    private readonly everyMs: number,
    private readonly formatValue: (n: number) => string = String,
  ) {}

  update(done: number, total: number, detail?: string): void {
    this.last = { done, total, detail };
    const now = Date.now();
    if (now - this.lastWrite >= this.everyMs) {
      this.lastWrite = now;
      this.write();
    }
  }

  stop(): void {
    if (this.last) this.write();
    this.last = undefined;
  }

  private write(): void {
    const { done, total, detail } = this.last!;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const eta = done > 0 && total > done ? ` ETA ${Math.ceil((elapsed / done) * (total - done))}s` : '';
    this.stream.write(
      `${this.label}: ${this.formatValue(done)}/${this.formatValue(total)}${detail === undefined ? '' : `, ${detail}`}${eta}\n`,
    );
  }
}
