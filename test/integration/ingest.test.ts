/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are JSON, checked field by field by the assertions */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ApiProcess, apiSection, testTokens } from './helpers/api.js';
import { requestDeclaringBody } from './helpers/declaredBody.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { storedPoints } from './helpers/storedPoints.js';
import { Workspace } from './helpers/workspace.js';

/** Names that break naive quoting, CSV, line protocol and SQL: quotes, commas, spaces, equals, a newline, unicode, a backslash. */
const hostile = ['flow "main", A', 'temp=1 ;x', 'π-sensor\nline2', "o'brien\\path", '#hash', 'DROP TABLE sensor; --'];
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** Line protocol escaping of a tag value (comma, equals, space); a raw newline cannot be sent this way. */
const lpEscape = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

describe('ingest over HTTP (real latigo api process, SQLite)', function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let api: ApiProcess;
  let db: DatabaseReader;

  const post = async (path: string, body: string | Buffer | Readable, contentType: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testTokens.operator}`, 'content-type': contentType, ...headers },
      body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
      ...(body instanceof Readable ? { duplex: 'half' } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      body: text === '' ? undefined : JSON.parse(text),
    };
  };
  const pointsOf = (sensor: string) => storedPoints(db, sensor).length;
  const valuesOf = (sensor: string) => storedPoints(db, sensor);
  const totalPoints = () => db.count('SELECT SUM(points) FROM sensor_chunk');

  before(async function () {
    workspace = new Workspace('ingest');
    const config = workspace.writeConfig(workspace.testConfig({ api: apiSection(), ingest: { max_body: '100MB', batch_points: 20_000 } }));
    api = await ApiProcess.start(config, workspace.dir);
    db = new DatabaseReader(workspace.databasePath);
  });
  after(() => {
    db?.close();
    api?.stop();
    workspace?.remove();
  });

  it('stores JSON long and wide points under hostile sensor names, and records their watermarks', async () => {
    const long = hostile.map((tag, i) => ({ tag, time: iso(T0 + i * 1000), value: i + 0.5 }));
    const r1 = await post('/api/v1/ingest', JSON.stringify(long), 'application/json');
    expect(r1.status, JSON.stringify(r1.body)).to.equal(200);
    expect(r1.body).to.include({ format: 'json', points: hostile.length, rejectedRows: 0, sensors: hostile.length });
    const wide = [{ time: T0 + 60_000, values: Object.fromEntries(hostile.map((tag, i) => [tag, i * 10])) }];
    const r2 = await post('/api/v1/ingest', JSON.stringify(wide), 'application/json');
    expect(r2.status, JSON.stringify(r2.body)).to.equal(200);
    for (const [i, tag] of hostile.entries()) {
      expect(valuesOf(tag), tag).to.deep.equal([
        { time_ms: T0 + i * 1000, value: i + 0.5 },
        { time_ms: T0 + 60_000, value: i * 10 },
      ]);
    }
    const marks = db.all<{ sensor: string; latest_ms: number; points: number }>('SELECT sensor, latest_ms, points FROM sensor_watermark');
    for (const tag of hostile)
      expect(
        marks.find((m) => m.sensor === tag),
        tag,
      ).to.include({ latest_ms: T0 + 60_000, points: 2 });
  });

  it('stores a wide semicolon CSV with a datetime column and decimal commas, and a long CSV, without flags', async () => {
    const names = ['csv "a"; b', 'csv,c'];
    const header = `datetime;${names.map((n) => `"${n.replace(/"/g, '""')}"`).join(';')};anomaly`;
    const rows = [0, 1, 2].map((i) => `01.02.2026 10:00:0${i};${i},5;${-i};${i === 1 ? 1 : 0}`);
    const r1 = await post('/api/v1/ingest', [header, ...rows].join('\r\n'), 'text/csv');
    expect(r1.status, JSON.stringify(r1.body)).to.equal(200);
    expect(r1.body).to.deep.include({ format: 'csv', points: 6, labelColumns: ['anomaly'] });
    const feb1 = Date.UTC(2026, 1, 1, 10);
    expect(valuesOf(names[0]!)).to.deep.equal([0, 1, 2].map((i) => ({ time_ms: feb1 + i * 1000, value: i + 0.5 })));
    expect(pointsOf('anomaly')).to.equal(0);
    const longCsv = `tag,time,value\n"csv long, one",${iso(T0)},1\n"csv long, one",${T0 + 1000},2\n`;
    // Mixed time formats in one column are refused (the first value fixes the format): ISO then epoch ms.
    const r2 = await post('/api/v1/ingest?partial=true', longCsv, 'text/csv');
    expect(r2.status, JSON.stringify(r2.body)).to.equal(200);
    expect(r2.body.points).to.equal(1);
    expect(r2.body.rejections).to.deep.equal([
      { line: 3, column: 'time', reason: `"${T0 + 1000}" is not a time (expected the column's format, iso)` },
    ]);
  });

  it('stores line protocol with escaped names, integer and boolean fields, and nanosecond timestamps truncated to ms', async () => {
    const lines = [
      `sensor,tag=${lpEscape('lp "x", y=1')} value=1.25 ${BigInt(T0) * 1_000_000n + 999_999n}`,
      `plant\\ a,site=n usage=3i,ok=t ${BigInt(T0 + 1) * 1_000_000n}`,
      '# a comment',
      '',
    ].join('\n');
    const r = await post('/api/v1/ingest', lines, 'text/plain; charset=utf-8');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(valuesOf('lp "x", y=1')).to.deep.equal([{ time_ms: T0, value: 1.25 }]);
    expect(valuesOf('plant a.usage')).to.deep.equal([{ time_ms: T0 + 1, value: 3 }]);
    expect(valuesOf('plant a.ok')).to.deep.equal([{ time_ms: T0 + 1, value: 1 }]);
  });

  it('stores concurrent line-protocol requests each whole (group commit), a bad one among them refused alone', async () => {
    const before = totalPoints();
    const senders = 8;
    const linesEach = 2_000;
    // Each request writes 20 sensors over its own stretch of time; request 3 ends with a bad line.
    const body = (request: number) => {
      let text = '';
      for (let i = 0; i < linesEach; i++) {
        const time = BigInt(T0 + (request * linesEach + i) * 1000) * 1_000_000n;
        text += `m,tag=group-${i % 20} value=${request}.${i} ${time}\n`;
      }
      return request === 3 ? `${text}m,tag=group-0 value=oops ${T0}\n` : text;
    };
    const answers = await Promise.all(Array.from({ length: senders }, (_, r) => post('/api/v1/ingest', body(r), 'text/plain')));
    for (const [r, answer] of answers.entries()) {
      if (r === 3) expect(answer.status, JSON.stringify(answer.body)).to.equal(400);
      else expect(answer.body, `request ${r}`).to.include({ points: linesEach, rejectedRows: 0, sensors: 20 });
    }
    expect(totalPoints() - before).to.equal((senders - 1) * linesEach);
    // Request 5's points are there, with its values, and none of request 3's.
    const group0 = valuesOf('group-0');
    expect(group0.filter((p) => p.time_ms === T0 + 5 * linesEach * 1000)).to.deep.equal([{ time_ms: T0 + 5 * linesEach * 1000, value: 5 }]);
    expect(group0.filter((p) => p.time_ms >= T0 + 3 * linesEach * 1000 && p.time_ms < T0 + 4 * linesEach * 1000)).to.deep.equal([]);
    const marks = db.all<{ points: number }>("SELECT points FROM sensor_watermark WHERE sensor = 'group-0'");
    expect(marks).to.deep.equal([{ points: ((senders - 1) * linesEach) / 20 }]);
  });

  it('refuses a body with bad rows whole by default, naming line and column; partial=true stores the good rows and lists the bad', async () => {
    const before = totalPoints();
    const csv = 'time,bad_a,bad_b\n2026-01-02T00:00:00Z,1,2\n2026-01-02T00:00:01Z,x,3\nnot-a-time,1,1\n2026-01-02T00:00:03Z,4,5\n';
    const r1 = await post('/api/v1/ingest', csv, 'text/csv');
    expect(r1.status).to.equal(400);
    expect(r1.type).to.match(/^application\/problem\+json/);
    expect(r1.body.detail)
      .to.include('2 of 4 rows were refused, so nothing was stored')
      .and.include('line 3, column "bad_a": "x" is not a number');
    expect(r1.body.rejections).to.deep.equal([
      { line: 3, column: 'bad_a', reason: '"x" is not a number' },
      { line: 4, column: 'time', reason: '"not-a-time" is not a time (expected the column\'s format, iso)' },
    ]);
    expect(totalPoints()).to.equal(before);
    const json = JSON.stringify([
      { tag: 'bad_j', time: iso(T0), value: 1 },
      { tag: 'bad_j', time: iso(T0), value: 'high' },
    ]);
    const r2 = await post('/api/v1/ingest', json, 'application/json');
    expect(r2.status).to.equal(400);
    expect(r2.body.rejections).to.deep.equal([{ element: 1, column: 'value', reason: 'expected a number or null, got "high"' }]);
    const r3 = await post('/api/v1/ingest?partial=true', csv, 'text/csv');
    expect(r3.status).to.equal(200);
    expect(r3.body).to.include({ points: 4, rejectedRows: 2, rows: 4 });
    expect(valuesOf('bad_a').map((p) => p.value)).to.deep.equal([1, 4]);
    const lp = await post('/api/v1/ingest?partial=true', 'ok value=1 1000000\nbroken value="text" 1\nok value=2 2000000\n', 'text/plain');
    expect(lp.body.rejections).to.deep.equal([{ line: 2, column: 'field value', reason: 'a string field cannot be a sensor value' }]);
  });

  it('reads gzip bodies, and refuses bodies over ingest.max_body (by Content-Length and while streaming) and unknown types', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify([{ tag: 'gz', time: iso(T0), value: 7 }])));
    const r1 = await post('/api/v1/ingest', body, 'application/json', { 'content-encoding': 'gzip' });
    expect(r1.status, JSON.stringify(r1.body)).to.equal(200);
    expect(valuesOf('gz')).to.deep.equal([{ time_ms: T0, value: 7 }]);
    const bad = await post('/api/v1/ingest', Buffer.from('not gzip at all'), 'application/json', { 'content-encoding': 'gzip' });
    expect(bad.status).to.equal(400);
    expect(bad.body.field).to.equal('header.content-encoding');
    const before = totalPoints();
    const r2 = await requestDeclaringBody(`${api.baseUrl}/api/v1/ingest`, 'POST', 101 * 1024 * 1024, {
      authorization: `Bearer ${testTokens.operator}`,
      'content-type': 'text/plain',
    });
    expect(r2.status).to.equal(413);
    expect(r2.body.detail).to.include('ingest.max_body');
    // A gzip bomb: 101 MiB of spaces is 100 KiB compressed, and is stopped at the limit while streaming.
    const big = Buffer.alloc(101 * 1024 * 1024, 0x20);
    const r3 = await post('/api/v1/ingest', gzipSync(big), 'text/plain', { 'content-encoding': 'gzip' });
    expect(r3.status).to.equal(413);
    expect(totalPoints()).to.equal(before);
    const r4 = await post('/api/v1/ingest', 'a', 'application/xml');
    expect(r4.status).to.equal(415);
    expect(r4.body.field).to.equal('header.content-type');
    const r5 = await fetch(`${api.baseUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testTokens.viewer}`, 'content-type': 'text/plain' },
      body: 'x value=1',
    });
    expect(r5.status).to.equal(403);
  });

  it('refuses unknown sensors with create_tags=false (whole, or left out and listed with partial=true)', async () => {
    const body = JSON.stringify([
      { tag: 'gz', time: iso(T0 + 1), value: 1 },
      { tag: 'never-seen', time: iso(T0), value: 1 },
    ]);
    const r1 = await post('/api/v1/ingest?create_tags=false', body, 'application/json');
    expect(r1.status).to.equal(422);
    expect(r1.body.detail).to.include('"never-seen" does not exist');
    expect(pointsOf('never-seen')).to.equal(0);
    const r2 = await post('/api/v1/ingest?create_tags=false&partial=true', body, 'application/json');
    expect(r2.status).to.equal(200);
    expect(r2.body.unknownSensors).to.deep.equal([{ sensor: 'never-seen', points: 1 }]);
    expect(valuesOf('gz')).to.have.length(2);
  });

  it('parses without storing (POST /ingest/parse)', async () => {
    const before = totalPoints();
    const r = await post('/api/v1/ingest/parse', 'time;parse_only\n2026-01-01 00:00;1,5\n', 'text/csv');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({
      format: 'csv',
      points: [{ tag: 'parse_only', time: iso(T0), value: 1.5 }],
      rows: 1,
      pointCount: 1,
      rejectedRows: 0,
      rejections: [],
    });
    expect(totalPoints()).to.equal(before);
  });

  it('streams a 1-million-point line-protocol body (about 80 MB) with the api process peak RSS growing far less than the body', async () => {
    const peak = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${api.process.pid}/status`, 'utf8'))![1]) * 1024;
    const peakBefore = peak();
    const TAGS = 100;
    const POINTS = 1_000_000;
    let bytes = 0;
    async function* lines() {
      const names = Array.from({ length: TAGS }, (_, t) => `stream-sensor-with-a-rather-long-name-${String(t).padStart(3, '0')}`);
      for (let start = 0; start < POINTS; start += 10_000) {
        let text = '';
        for (let i = start; i < start + 10_000; i++) {
          text += `sensor,tag=${names[i % TAGS]!} value=${(i * 0.001).toFixed(3)} ${(BigInt(T0) + BigInt(Math.floor(i / TAGS)) * 1000n) * 1_000_000n}\n`;
        }
        bytes += text.length;
        yield Buffer.from(text);
      }
    }
    const r = await post('/api/v1/ingest', Readable.from(lines()), 'text/plain');
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ points: POINTS, sensors: TAGS, rejectedRows: 0 });
    expect(db.count("SELECT SUM(points) FROM sensor_watermark WHERE sensor LIKE 'stream-sensor%'")).to.equal(POINTS);
    const growth = peak() - peakBefore;
    expect(bytes).to.be.greaterThan(75e6);
    // Holding the body (or its points as JS objects) would cost several times its size; streaming stays well below it.
    expect(growth, `peak RSS grew ${Math.round(growth / 1e6)} MB for a ${Math.round(bytes / 1e6)} MB body`).to.be.lessThan(bytes / 2);
  });
});
