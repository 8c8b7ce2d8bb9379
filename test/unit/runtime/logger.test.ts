import { expect } from 'chai';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { createLogger, loggingFailures, MAX_LOG_FIELD_LENGTH } from '../../../src/runtime/logger.js';

/** A destination that keeps what it is given. */
class Collecting extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: (err?: Error | null) => void): void {
    this.lines.push(chunk.toString());
    done();
  }
}

/** A destination whose every write fails as a full disk or a closed pipe does. */
class Failing extends Writable {
  constructor(private readonly code: string) {
    super();
  }
  override _write(_chunk: Buffer, _encoding: string, done: (err?: Error | null) => void): void {
    done(Object.assign(new Error(`${this.code}: write failed`), { code: this.code }));
  }
}

describe('logger (issue 14)', () => {
  it('cuts string fields over the limit, saying how much was cut', () => {
    const out = new Collecting();
    const log = createLogger({ level: 'info', format: 'json', destination: out });
    log
      .child({ model: 'm'.repeat(5_000_000) })
      .warn('malformed message dead-lettered', { reason: 'r'.repeat(MAX_LOG_FIELD_LENGTH + 10), small: 'ok' });
    const line = JSON.parse(out.lines.join('')) as Record<string, string>;
    expect(line.model)
      .to.have.length.below(MAX_LOG_FIELD_LENGTH + 50)
      .and.to.match(/… \(4,998,000 more characters\)$/);
    expect(line.reason).to.match(/… \(10 more characters\)$/);
    expect(line.small).to.equal('ok');
    expect(out.lines.join('').length).to.be.below(5_000);
  });

  for (const code of ['ENOSPC', 'EPIPE']) {
    it(`keeps the process running when the log destination fails with ${code}: said once on stderr, every failure counted`, async () => {
      const said: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = (chunk: string) => {
        said.push(String(chunk));
        return true;
      };
      const before = loggingFailures();
      try {
        const log = createLogger({ level: 'info', format: 'json', destination: new Failing(code) });
        for (let i = 0; i < 5; i++) {
          log.info('task finished', { i });
          await tick();
        }
      } finally {
        process.stderr.write = write;
      }
      // An unhandled 'error' event would have failed this test as an uncaught exception.
      expect(loggingFailures() - before).to.be.at.least(1);
      expect(said.filter((s) => s.includes('cannot write log lines'))).to.have.length(before === 0 ? 1 : 0);
      if (before === 0) expect(said.join('')).to.contain(code);
    });
  }
});
