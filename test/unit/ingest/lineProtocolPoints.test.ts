import { expect } from 'chai';
import { lineProtocolPoints, type LineProtocolOptions } from '../../../src/ingest/lineProtocolPoints.js';

const NOW = 1_767_225_600_000;

/** Every point and rejection of `text` read as line protocol, points as [sensor, time, value] in sensor order. */
async function read(text: string, options: Partial<LineProtocolOptions> = {}) {
  async function* body() {
    yield Buffer.from(text, 'utf8');
  }
  const points: [string, number, number][] = [];
  const rejections: unknown[] = [];
  for await (const chunk of lineProtocolPoints(body(), { batchPoints: 1000, now: () => NOW, ...options })) {
    for (const s of chunk.points) for (let i = 0; i < s.timesMs.length; i++) points.push([s.sensor, s.timesMs[i]!, s.values[i]!]);
    rejections.push(...chunk.rejections);
  }
  return { points, rejections };
}

describe('lineProtocolPoints', () => {
  it('truncates nanosecond timestamps toward minus infinity, before and after 1970', async () => {
    const { points } = await read(
      [
        'm,tag=a value=1 1767225600123999999',
        'm,tag=b value=2 -1500000',
        'm,tag=c value=3 -1000000',
        'm,tag=d value=4 999999',
        'm,tag=e value=5 -0',
      ].join('\n'),
    );
    expect(points).to.deep.equal([
      ['a', 1767225600123, 1],
      ['b', -2, 2],
      ['c', -1, 3],
      ['d', 0, 4],
      ['e', -0, 5],
    ]);
  });

  it('reads the other precisions, a missing timestamp as now, and whitespace around the timestamp', async () => {
    expect((await read('m value=1 1767225600', { precision: 's' })).points).to.deep.equal([['m', 1767225600000, 1]]);
    expect((await read('m value=1 1767225600123456', { precision: 'us' })).points).to.deep.equal([['m', 1767225600123, 1]]);
    expect((await read('m value=1\nm value=2   \nm value=3 \t1000000\t\r\n')).points).to.deep.equal([
      ['m', NOW, 1],
      ['m', NOW, 2],
      ['m', 1, 3],
    ]);
  });

  it('makes a point of each field but time, with escaped names, integers and booleans', async () => {
    const { points, rejections } = await read('my\\ m,tag=P\\,1\\=x,other=y value=1.5,temp=-2i,on=t,time=5 2000000');
    expect(rejections).to.deep.equal([]);
    expect(points).to.deep.equal([
      ['P,1=x', 2, 1.5],
      ['P,1=x.temp', 2, -2],
      ['P,1=x.on', 2, 1],
    ]);
  });

  it('rejects a bad timestamp, a string field and a missing field, naming line and part', async () => {
    const { points, rejections } = await read('m value=1 12x\nm value="s" 1\nm 5\nm value=1 99999999999999999999999999\nm value=2 3000000');
    expect(points).to.deep.equal([['m', 3, 2]]);
    expect(rejections).to.deep.equal([
      { line: 1, column: 'timestamp', reason: '"12x" is not a ns timestamp' },
      { line: 2, column: 'field value', reason: 'a string field cannot be a sensor value' },
      { line: 3, column: 'fields', reason: 'missing fields' },
      { line: 4, column: 'timestamp', reason: '"99999999999999999999999999" is not a ns timestamp' },
    ]);
  });

  it('reads a series key seen before as the first time, and refuses a bad one every time', async () => {
    const { points, rejections } = await read(
      [
        'm,tag=a,site=x value=1 1000000',
        'm,tag=a,site=x value=2,temp=3 2000000',
        'm,site=x,tag=b value=4 3000000',
        'm,tag= value=5 4000000',
        'm,tag= value=6 5000000',
        'm,tag=c\\ d value=7 6000000',
        'm,tag=c\\ d value=8 7000000',
        'm,tag=a,site=x value=9 8000000',
      ].join('\n'),
      { tagPrefix: 'p.' },
    );
    expect(points).to.deep.equal([
      ['p.a', 1, 1],
      ['p.a', 2, 2],
      ['p.a', 8, 9],
      ['p.a.temp', 2, 3],
      ['p.b', 3, 4],
      ['p.c d', 6, 7],
      ['p.c d', 7, 8],
    ]);
    expect(rejections).to.deep.equal([
      { line: 4, column: 'tag tag', reason: 'missing tag value' },
      { line: 5, column: 'tag tag', reason: 'missing tag value' },
    ]);
  });

  it('reads plain lines (the byte-level fast path) exactly as the general reading does', async () => {
    // Each line twice: as given, and after a leading space, which only the general reading takes.
    const lines = [
      'm,tag=a value=1.5 1767225600123456789',
      'm,tag=a value=-0 1000000',
      'm,tag=a value=-12.25 1000000',
      'm,tag=a value=007 1000000',
      'm,tag=a value=0.1 1000000',
      'm,tag=a value=123456789012345 1000000',
      'm,tag=a value=1234567890123456 1000000',
      'm,tag=a value=0.30000000000000004 1000000',
      'm,tag=a value=1e3 1000000',
      'm,tag=a value=.5 1000000',
      'm,tag=a value=5. 1000000',
      'm,tag=a value=+5 1000000',
      'm,tag=a value=- 1000000',
      'm,tag=a value=1i 1000000',
      'm,tag=a value=t 1000000',
      'm,tag=a value=1,x=2 1000000',
      'm,tag=a value=1  1000000',
      'm,tag=a value=1 1000000 ',
      'm,tag=a value=1',
      'm,tag=a value=1 999999',
      'm,tag=a value=1 -1000000',
      'm,tag=a value=1 12x',
      'm,tag=a value=1 99999999999999999999999999',
      'm,tag=a valu=1 1000000',
      'm,tag=a value=1\t1000000',
      'm,tag= value=1 1000000',
      'm,tag=a,tag=b value=1 1000000',
      'm,=a value=1 1000000',
      ',tag=a value=1 1000000',
      'm,tag=π value=1 1000000',
      'm,tag=a\\ b value=1 1000000',
      `m,tag=${'x'.repeat(1001)} value=1 1000000`,
    ];
    for (const line of lines) {
      for (const precision of ['ns', 'us', 'ms', 's', 'h'] as const) {
        const options = { precision, tagPrefix: 'p.' };
        const fast = await read(`${line}\n${line}`, options);
        const general = await read(` ${line}\n ${line}`, options);
        expect(fast, `${line} (${precision})`).to.deep.equal(general);
      }
    }
  });
});
