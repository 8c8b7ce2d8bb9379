import { expect } from 'chai';
import { lineProtocolPoints, type LineProtocolOptions } from '../../../src/ingest/lineProtocolPoints.js';
import { LineProtocolWorkerPool } from '../../../src/ingest/LineProtocolWorkerPool.js';
import type { ParsedChunk } from '../../../src/ingest/ParsedChunk.js';

const NOW = 1_767_225_600_000;

/** `text` in pieces of `size` bytes, cut anywhere (mid-line, mid-character). */
async function* pieces(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Each chunk with its series as plain arrays, so chunks from either parser compare equal. */
async function collect(chunks: AsyncIterable<ParsedChunk>) {
  const out: unknown[] = [];
  for await (const c of chunks) {
    out.push({ ...c, points: c.points.map((s) => ({ sensor: s.sensor, timesMs: Array.from(s.timesMs), values: Array.from(s.values) })) });
  }
  return out;
}

describe('LineProtocolWorkerPool', function () {
  this.timeout(20_000);
  const pool = new LineProtocolWorkerPool(2);
  after(() => pool.close());

  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) lines.push(`m,tag=T${i % 7} value=${i / 4} ${1767225600000 + i}000000`);
  lines.splice(
    100,
    0,
    'm,tag=π\\ x value=1,temp=2i 1000000',
    '# comment',
    'm value="s" 1',
    'm,tag=bad value=1 12x',
    '',
    'm,tag=now value=3',
  );
  const text = `${lines.join('\r\n')}\nm,tag=last value=9 5000000`;
  const options: LineProtocolOptions = { batchPoints: 300, now: () => NOW, tagPrefix: 'p.' };

  it('answers the same chunks, rejections and offsets as lineProtocolPoints, however the body is cut', async () => {
    const expected = await collect(lineProtocolPoints(pieces(text, 1 << 20), options));
    expect(expected.length).to.be.greaterThan(3);
    for (const size of [7, 1000, 1 << 20]) {
      expect(await collect(pool.parse(pieces(text, size), options)), `pieces of ${size} bytes`).to.deep.equal(expected);
    }
    const short = text.slice(0, 8000); // byte by byte: a line and a character cut everywhere
    expect(await collect(pool.parse(pieces(short, 1), options))).to.deep.equal(
      await collect(lineProtocolPoints(pieces(short, 1 << 20), options)),
    );
  });

  it('parses concurrent bodies apart, and goes on after a body whose reader stopped early', async () => {
    const early = pool.parse(pieces(text, 100), options);
    expect((await early.next()).done).to.equal(false);
    await early.return(undefined);
    const expected = await collect(lineProtocolPoints(pieces(text, 1 << 20), options));
    const other = { ...options, tagPrefix: 'q.' };
    const expectedOther = await collect(lineProtocolPoints(pieces(text, 1 << 20), other));
    const [a, b, c] = await Promise.all([
      collect(pool.parse(pieces(text, 333), options)),
      collect(pool.parse(pieces(text, 4096), other)),
      collect(pool.parse(pieces(text, 50), options)),
    ]);
    expect(a).to.deep.equal(expected);
    expect(b).to.deep.equal(expectedOther);
    expect(c).to.deep.equal(expected);
  });

  it('passes on an error of the body stream', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('m value=1 1\n');
      throw new Error('the body is larger than ingest.max_body');
    }
    let caught: unknown;
    try {
      await collect(pool.parse(failing(), options));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error).with.property('message', 'the body is larger than ingest.max_body');
  });
});
