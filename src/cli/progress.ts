import cliProgress from 'cli-progress';

/** A progress bar for long CLI jobs (backfill, training, seeding). */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A bar with ETA on stderr when it is a terminal; otherwise (pipes, CI, tests) one line per
 * `quietEveryMs` so logs stay readable and the last line still says how far the job got.
 */
export function createProgress(label: string, options: { stream?: NodeJS.WriteStream; quietEveryMs?: number } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) return new TerminalProgress(label, stream);
  return new LineProgress(label, stream, options.quietEveryMs ?? 5_000);
}

class TerminalProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(label: string, stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar({
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {duration_formatted}`,
      stream,
      hideCursor: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
  }

  update(done: number, total: number): void {
    if (!this.started) {
      this.bar.start(total, done);
      this.started = true;
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(done);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class LineProgress implements Progress {
  private lastWrite = 0;
  private last: { done: number; total: number } | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly label: string, private readonly stream: NodeJS.WritableStream, private readonly everyMs: number) {}

  update(done: number, total: number): void {
    this.last = { done, total };
    const now = Date.now();
    if (now - this.lastWrite >= this.everyMs) {
      this.lastWrite = now;
      this.write();
    }
  }

  stop(): void {
    if (this.last) this.write();
  }

  private write(): void {
    const { done, total } = this.last!;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const eta = done > 0 && total > done ? ` ETA ${Math.ceil((elapsed / done) * (total - done))}s` : '';
    this.stream.write(`${this.label}: ${done}/${total}${eta}\n`);
  }
}
