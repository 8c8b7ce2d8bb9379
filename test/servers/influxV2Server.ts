import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFluxPipeline, type FluxCall, type Row } from './influxV2Flux.js';

/** One stored point: its series (measurement, tags, field), time and value. */
export interface StoredPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly field: string;
  readonly timeMs: number;
  readonly value: number;
}

/**
 * Plays InfluxDB 2.x on loopback, as its API documents it, for the real @influxdata/influxdb-client:
 * - `POST /api/v2/write?org=&bucket=&precision=` takes line protocol (escaped measurement, tags and fields,
 *   float values, integer timestamps); 204 when stored, 400 `{"code":"invalid",...}` rejecting the whole
 *   batch when a line does not parse, 404 for an unknown bucket. A point with the series and time of a
 *   stored one replaces it.
 * - `POST /api/v2/query?org=` takes `{"query": <flux>, "type": "flux", "dialect": ...}` and answers
 *   annotated CSV (`#datatype`, `#group`, `#default` rows, then a header and one row per record, a
 *   `table` number per series). It runs the Flux that latigo sends (influxV2Flux.ts); other Flux gets 400.
 * - `/query` (the v1 compatibility endpoint, InfluxQL) only when started with `influxQL`, the URL of a real
 *   InfluxDB 1.x: 2.x maps each bucket to a database of its name, so writes are also forwarded to that
 *   database (created with the bucket) and `/query` is passed through to it with the same `db`. InfluxQL is
 *   then answered by a real engine, not reimplemented here. Without it, `/query` gets 404 as before.
 * - Every request needs `Authorization: Token <token>` (401 otherwise). `GET /ping` answers 204.
 */
export class InfluxV2Server {
  private readonly buckets = new Map<string, Map<string, StoredPoint>>();
  /** Buckets whose database exists in the InfluxDB 1.x behind `/query` (created on first use). */
  private readonly databases = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly token: string,
    private readonly influxQL: string | undefined,
  ) {}

  /** `options.influxQL`: the URL of an InfluxDB 1.x that answers `/query` (see the class comment). */
  static async start(token = 'test-token', options: { influxQL?: string } = {}): Promise<InfluxV2Server> {
    const server = createServer((req, res) => void self.handle(req, res));
    const self = new InfluxV2Server(server, token, options.influxQL);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  createBucket(name: string): void {
    this.buckets.set(name, new Map());
  }

  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
    if (this.databases.delete(name)) await this.backend('/query', { q: `DROP DATABASE ${quoteIdentifier(name)}` });
  }

  points(bucket: string): StoredPoint[] {
    return [...(this.buckets.get(bucket)?.values() ?? [])];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (req.method === 'GET' && url.pathname === '/ping') return void res.writeHead(204).end();
    if (req.headers.authorization !== `Token ${this.token}`)
      return json(res, 401, { code: 'unauthorized', message: 'unauthorized access' });
    try {
      if (req.method === 'POST' && url.pathname === '/api/v2/write') return await this.write(res, url, body);
      if (this.influxQL !== undefined && url.pathname === '/query') return await this.passThrough(req, res, url, body);
      if (req.method === 'POST' && url.pathname === '/api/v2/query') return this.query(res, body);
      json(res, 404, { code: 'not found', message: 'path not found' });
    } catch (err) {
      json(res, 400, { code: 'invalid', message: (err as Error).message });
    }
  }

  private async write(res: ServerResponse, url: URL, body: string): Promise<void> {
    const store = this.bucket(res, url.searchParams.get('bucket') ?? '');
    if (!store) return;
    const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 }[url.searchParams.get('precision') ?? 'ns'];
    if (unit === undefined) return json(res, 400, { code: 'invalid', message: 'invalid precision' });
    // Parse everything first: one bad line rejects the whole batch.
    const points = body
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => parseLine(line, unit));
    for (const p of points) store.set(JSON.stringify([p.measurement, Object.entries(p.tags).sort(), p.field, p.timeMs]), p);
    const bucket = url.searchParams.get('bucket') ?? '';
    await this.database(bucket);
    await this.backend('/write', { db: bucket, precision: url.searchParams.get('precision') ?? 'ns' }, body);
    res.writeHead(204).end();
  }

  /** `/query` as the 1.x server answers it, the token already checked (1.x here runs without auth). */
  private async passThrough(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const db = url.searchParams.get('db') ?? '';
    if (!this.buckets.has(db)) return json(res, 404, { code: 'not found', message: `database "${db}" not found` });
    await this.database(db);
    const response = await fetch(`${this.influxQL}/query${url.search}`, {
      method: req.method ?? 'GET',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
      ...(req.method === 'POST' ? { body } : {}),
    });
    res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' });
    res.end(await response.text());
  }

  /** The bucket's database in the InfluxDB 1.x behind `/query`, created on first use. */
  private async database(bucket: string): Promise<void> {
    if (this.influxQL === undefined || this.databases.has(bucket)) return;
    await this.backend('/query', { q: `CREATE DATABASE ${quoteIdentifier(bucket)}` });
    this.databases.add(bucket);
  }

  /** A request to the InfluxDB 1.x behind `/query`, when there is one; fails on any answer but success. */
  private async backend(path: '/query' | '/write', params: Record<string, string>, body?: string): Promise<void> {
    if (this.influxQL === undefined) return;
    const response = await fetch(`${this.influxQL}${path}?${new URLSearchParams(params).toString()}`, {
      method: 'POST',
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`influxd ${path} answered ${response.status}: ${text}`);
  }

  private query(res: ServerResponse, body: string): void {
    const request = JSON.parse(body) as { query?: unknown; type?: unknown };
    if (typeof request.query !== 'string' || (request.type ?? 'flux') !== 'flux')
      return json(res, 400, { code: 'invalid', message: 'expected a flux query' });
    const calls = parseFluxPipeline(request.query);
    const from = calls[0];
    if (from?.name !== 'from' || from.args.bucket?.kind !== 'string')
      throw new Error('compilation failed: a query starts with from(bucket: "...")');
    const store = this.bucket(res, from.args.bucket.value);
    if (!store) return;
    const tables = run(calls.slice(1), [...store.values()]);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
    res.end(annotatedCsv(tables));
  }

  private bucket(res: ServerResponse, name: string): Map<string, StoredPoint> | undefined {
    const store = this.buckets.get(name);
    if (!store) json(res, 404, { code: 'not found', message: `bucket "${name}" not found` });
    return store;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** A line of line protocol; `\,` `\=` `\ ` are escapes in names (a backslash before anything else is kept). */
export function parseLine(line: string, unitMs: number): StoredPoint {
  let i = 0;
  const name = (stops: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length && ', ='.includes(line[i + 1]!)) {
        out += line[i + 1];
        i += 2;
      } else out += line[i++];
    }
    return out;
  };
  const measurement = name(', ');
  if (measurement === '') throw new Error(`unable to parse '${line}': missing measurement`);
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const key = name('=');
    if (line[i++] !== '=') throw new Error(`unable to parse '${line}': missing tag value`);
    const value = name(', ');
    if (key === '' || value === '') throw new Error(`unable to parse '${line}': missing tag key or value`);
    tags[key] = value;
  }
  if (line[i++] !== ' ') throw new Error(`unable to parse '${line}': missing fields`);
  const field = name('=');
  if (line[i++] !== '=') throw new Error(`unable to parse '${line}': missing field value`);
  const rest = line.slice(i).split(' ');
  if (rest.length !== 2 || rest[0]!.includes(','))
    throw new Error(`unable to parse '${line}': latigo writes one float field and a timestamp per line`);
  const value = Number(rest[0]);
  if (rest[0] === '' || !Number.isFinite(value)) throw new Error(`unable to parse '${line}': invalid float`);
  if (!/^-?\d+$/.test(rest[1]!)) throw new Error(`unable to parse '${line}': bad timestamp`);
  return { measurement, tags, field, value, timeMs: Number(rest[1]) * unitMs };
}

/** A table: its group key and records (columns as Flux names them). */
interface Table {
  readonly records: Record<string, string | number>[];
}

function run(calls: readonly FluxCall[], points: readonly StoredPoint[]): Table[] {
  let records: Record<string, string | number>[] = points.map((p) => ({
    ...p.tags,
    _measurement: p.measurement,
    _field: p.field,
    _time: p.timeMs,
    _value: p.value,
  }));
  let groupBy: (r: Record<string, string | number>) => string = seriesKeyOf;
  let kept: string[] | undefined;
  for (const call of calls) {
    const { args } = call;
    switch (call.name) {
      case 'range': {
        const start = args.start?.kind === 'time' ? args.start.ms : NaN;
        const stop = args.stop?.kind === 'time' ? args.stop.ms : Date.now();
        if (Number.isNaN(start)) throw new Error('compilation failed: range needs start');
        records = records.filter((r) => (r._time as number) >= start && (r._time as number) < stop);
        break;
      }
      case 'filter': {
        if (args.fn?.kind !== 'function') throw new Error('compilation failed: filter needs fn');
        const predicate = args.fn.predicate;
        records = records.filter((r) => predicate(stringRow(r)));
        break;
      }
      case 'aggregateWindow': {
        if (args.every?.kind !== 'duration' || args.fn?.kind !== 'identifier' || args.fn.name !== 'mean')
          throw new Error('compilation failed: aggregateWindow(every: <duration>, fn: mean) only');
        if (args.createEmpty?.kind !== 'bool' || args.createEmpty.value)
          throw new Error('compilation failed: only createEmpty: false is played');
        const useStart = args.timeSrc?.kind === 'string' && args.timeSrc.value === '_start';
        const every = args.every.ms;
        const sums = new Map<string, { record: Record<string, string | number>; sum: number; n: number }>();
        for (const r of records) {
          const windowStart = Math.floor((r._time as number) / every) * every;
          const key = `${groupBy(r)}\u0000${windowStart}`;
          const entry = sums.get(key) ?? { record: { ...r, _time: useStart ? windowStart : windowStart + every }, sum: 0, n: 0 };
          entry.sum += r._value as number;
          entry.n++;
          sums.set(key, entry);
        }
        records = [...sums.values()].map((e) => ({ ...e.record, _value: e.sum / e.n }));
        break;
      }
      case 'last': {
        const latest = new Map<string, Record<string, string | number>>();
        for (const r of records) {
          const key = groupBy(r);
          const seen = latest.get(key);
          if (!seen || (r._time as number) >= (seen._time as number)) latest.set(key, r);
        }
        records = [...latest.values()];
        break;
      }
      case 'keep': {
        if (args.columns?.kind !== 'array') throw new Error('compilation failed: keep(columns: [...])');
        kept = args.columns.items;
        const columns = kept;
        groupBy = (r) => JSON.stringify(columns.filter((c) => c !== '_time' && c !== '_value').map((c) => r[c] ?? ''));
        break;
      }
      default:
        throw new Error(`compilation failed: ${call.name}() is not played by this server`);
    }
  }
  const tables = new Map<string, Record<string, string | number>[]>();
  for (const r of records.sort((a, b) => (a._time as number) - (b._time as number))) {
    const key = groupBy(r);
    const projected = kept === undefined ? r : Object.fromEntries(kept.map((c) => [c, r[c] ?? '']));
    tables.set(key, [...(tables.get(key) ?? []), projected]);
  }
  return [...tables.values()].map((records) => ({ records }));
}

function seriesKeyOf(r: Record<string, string | number>): string {
  return JSON.stringify(
    Object.entries(r)
      .filter(([k]) => k !== '_time' && k !== '_value')
      .sort(),
  );
}

function stringRow(r: Record<string, string | number>): Row {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
}

/** Annotated CSV as /api/v2/query documents it; one annotation block, a `table` number per table. */
function annotatedCsv(tables: readonly Table[]): string {
  const columns = [...new Set(tables.flatMap((t) => t.records.flatMap((r) => Object.keys(r))))];
  if (columns.length === 0) return '';
  const type = (c: string) => (c === '_time' ? 'dateTime:RFC3339' : c === '_value' ? 'double' : 'string');
  const lines = [
    ['#datatype', 'string', 'long', ...columns.map(type)],
    ['#group', 'false', 'false', ...columns.map((c) => String(c !== '_time' && c !== '_value'))],
    ['#default', '_result', '', ...columns.map(() => '')],
    ['', 'result', 'table', ...columns],
  ].map((cells) => cells.map(csvCell).join(','));
  tables.forEach((table, index) => {
    for (const r of table.records) {
      lines.push(
        [
          '',
          '',
          String(index),
          ...columns.map((c) => (c === '_time' && typeof r[c] === 'number' ? new Date(r[c]).toISOString() : String(r[c] ?? ''))),
        ]
          .map(csvCell)
          .join(','),
      );
    }
  });
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** An InfluxQL identifier in double quotes. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
