import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON body's value as the service stores text: strings as they are, missing as '', anything else as JSON. */
const jsonText = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);

/** A time series as the Data API describes it (`GET {base}/{id}`). */
export interface DataApiSeries {
  id: string;
  name: string;
  facility: string;
  description: string;
  unit: string;
  step: boolean;
  externalId: string;
  assetId: string;
}

/** A stored datapoint. `time` is kept as written or seeded (the API answers with 7 fractional digits). */
export interface DataApiPoint {
  time: string;
  value: number;
  status: number;
}

export interface DataApiServerOptions {
  /** Points per item per response before the server pages with a continuationToken (the API's limit is 100 000). */
  pagePoints?: number;
  /** Items per metadata page. */
  pageItems?: number;
  /** Decides whether a bearer token is accepted; every non-empty token when absent. */
  authorize?: (token: string) => boolean;
  /** Plant codes accepted when creating series (`400 Facility not found.` for others); any when absent. */
  facilities?: readonly string[];
  /** `items`: multi-id reads page only with per-item tokens (top-level continuationToken stays null). */
  paging?: 'top-level' | 'items';
  /** Send points of every quality, whatever `statusFilter` asks (a client must still keep only good ones). */
  ignoreStatusFilter?: boolean;
  /** Validate writes and count their points, but keep none (benchmarks write millions). */
  discardWrites?: boolean;
  /** Called with every request (`METHOD path`) before it is answered: tests schedule faults mid-run with it. */
  onRequest?: (request: string) => void;
}

interface Fault {
  status: number;
  retryAfterSeconds?: number;
  /** Only requests whose `METHOD path` matches. */
  match?: RegExp;
}

/** One answered request, for tests and the benchmark's requests-per-task count. */
export interface DataApiRequestRecord {
  method: string;
  path: string;
  status: number;
}

/**
 * Plays the Omnia Time Series API ("Data API", v1.7) over http as its reference documents it: metadata
 * list/filter with continuationToken paging, get-by-id, create (409 on a duplicate name in a facility),
 * getoradd, multi-id reads of at most 100 items (400 beyond) paged per item and at the top level, status
 * filters, bulk writes that add or overwrite points, error bodies `{statusCode, message, traceId}`, 401 for
 * a refused token, and injected faults (429 with Retry-After, 503).
 */
export class DataApiServer {
  readonly requests: DataApiRequestRecord[] = [];
  /** Series created through the API (create and getoradd), not by addSeries. */
  created = 0;
  /** Datapoints accepted by writes (also when `discardWrites`). */
  writtenPoints = 0;
  private readonly series = new Map<string, DataApiSeries>();
  /** Series ids by name: lookups by name stay cheap with tens of thousands of series (the benchmark). */
  private readonly idsByName = new Map<string, string[]>();
  private readonly points = new Map<string, Map<number, DataApiPoint & { ms: number }>>();
  private readonly generated = new Map<string, GeneratedPoints>();
  private readonly faults: Fault[] = [];
  private readonly pagePoints: number;
  private readonly pageItems: number;

  private constructor(
    private readonly server: Server,
    private readonly options: DataApiServerOptions,
  ) {
    this.pagePoints = options.pagePoints ?? 100_000;
    this.pageItems = options.pageItems ?? 1000;
  }

  static async start(options: DataApiServerOptions = {}): Promise<DataApiServer> {
    const server = createServer((req, res) => {
      instance.handle(req, res).catch((err: unknown) => instance.error(req, res, 500, `internal error: ${String(err)}`));
    });
    server.keepAliveTimeout = 60_000;
    const instance = new DataApiServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  /** The API's base URL, e.g. `http://127.0.0.1:41234/plant/timeseries/v1.7`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/plant/timeseries/v1.7`;
  }

  /** Creates a series directly (test set-up); returns its id. */
  addSeries(series: Partial<DataApiSeries> & { name: string; facility: string }): string {
    const id = series.id ?? randomUUID();
    this.series.set(id, { description: '', unit: '', step: false, externalId: '', assetId: '', ...series, id });
    this.idsByName.set(series.name, [...(this.idsByName.get(series.name) ?? []), id]);
    return id;
  }

  /** Stores points directly (test set-up). */
  addPoints(id: string, points: readonly DataApiPoint[]): void {
    const stored = this.points.get(id) ?? new Map<number, DataApiPoint & { ms: number }>();
    for (const p of points) stored.set(Date.parse(p.time), { ...p, ms: Date.parse(p.time) });
    this.points.set(id, stored);
  }

  /** A series whose points are computed on request (`count` points from `fromMs`, every `stepMs`): no memory per point. */
  addGeneratedSeries(series: Partial<DataApiSeries> & { name: string; facility: string }, points: GeneratedPoints): string {
    const id = this.addSeries(series);
    this.generated.set(id, points);
    return id;
  }

  allSeries(): DataApiSeries[] {
    return [...this.series.values()];
  }

  findSeries(name: string, facility?: string): DataApiSeries[] {
    return (this.idsByName.get(name) ?? [])
      .map((id) => this.series.get(id)!)
      .filter((s) => facility === undefined || s.facility === facility);
  }

  /** Stored points of a series, ordered by time. */
  pointsOf(id: string): DataApiPoint[] {
    return [...(this.points.get(id)?.values() ?? [])]
      .sort((a, b) => a.ms - b.ms)
      .map(({ time, value, status }) => ({ time, value, status }));
  }

  /** The next `count` requests (matching `match`, when given) fail with `status`. */
  failNext(count: number, status: number, options: { retryAfterSeconds?: number; match?: RegExp } = {}): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, ...options });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const prefix = '/plant/timeseries/v1.7';
    if (!url.pathname.startsWith(prefix)) return this.error(req, res, 404, 'Resource not found');
    const path = url.pathname.slice(prefix.length) || '/';
    const body = await readBody(req);
    this.options.onRequest?.(`${req.method} ${path}`);

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !(this.options.authorize?.(token) ?? true))
      return this.error(req, res, 401, 'Access token is missing, invalid or expired');

    const faultIndex = this.faults.findIndex((f) => !f.match || f.match.test(`${req.method} ${path}`));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault!.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(fault!.retryAfterSeconds));
      return this.error(
        req,
        res,
        fault!.status,
        fault!.status === 429 ? 'Rate limit is exceeded. Try again later.' : 'The service is unavailable.',
      );
    }

    if (req.method === 'GET' && path === '/') return this.list(req, res, url.searchParams);
    if (req.method === 'POST' && path === '/') return this.create(req, res, parseJson(body));
    if (req.method === 'POST' && path === '/getoradd') return this.getOrAdd(req, res, parseJson(body));
    if (req.method === 'POST' && path === '/query/data')
      return this.query(req, res, parseJson(body), url.searchParams.get('continuationToken'));
    if (req.method === 'POST' && path === '/data') return this.write(req, res, parseJson(body), url.searchParams.get('async'));
    const one = /^\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one) {
      const series = this.series.get(decodeURIComponent(one[1]!));
      return series
        ? this.ok(req, res, { data: { items: [series] }, count: 1, continuationToken: null })
        : this.error(req, res, 404, 'Timeseries not found');
    }
    return this.error(req, res, 404, 'Resource not found');
  }

  private list(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const name = query.get('name');
    const facility = query.get('facility');
    const candidates = name === null ? this.allSeries() : this.findSeries(name);
    const matching = candidates.filter((s) => facility === null || s.facility === facility);
    const limit = Math.min(Number(query.get('limit') ?? this.pageItems), this.pageItems);
    const offset = decodeOffset(query.get('continuationToken'));
    const page = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? encodeOffset(offset + limit) : null;
    this.ok(req, res, { data: { items: page }, count: page.length, continuationToken: next });
  }

  private create(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const result = this.createOne(body);
    if (typeof result === 'string') return this.error(req, res, result.startsWith('Attempt') ? 409 : 400, result);
    this.ok(req, res, { data: { items: [result] }, count: 1, continuationToken: null }, 201);
  }

  private getOrAdd(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    if (!Array.isArray(body)) return this.error(req, res, 400, 'Request body must be an array');
    const items: DataApiSeries[] = [];
    for (const item of body) {
      const { name, facility } = (item ?? {}) as { name?: unknown; facility?: unknown };
      const existing = typeof name === 'string' && typeof facility === 'string' ? this.findSeries(name, facility)[0] : undefined;
      const result = existing ?? this.createOne(item);
      if (typeof result === 'string') return this.error(req, res, 400, result);
      items.push(result);
    }
    this.ok(req, res, { data: { items }, count: items.length, continuationToken: null });
  }

  private createOne(body: unknown): DataApiSeries | string {
    const item = (body ?? {}) as Record<string, unknown>;
    if (typeof item.name !== 'string' || item.name === '') return 'The Name field is required.';
    if (
      typeof item.facility !== 'string' ||
      item.facility === '' ||
      (this.options.facilities && !this.options.facilities.includes(item.facility))
    ) {
      return 'Facility not found.';
    }
    if (this.findSeries(item.name, item.facility).length > 0)
      return `Attempt to store timeseries '${item.name}' from '${item.facility}' which already exists`;
    this.created++;
    const id = this.addSeries({
      name: item.name,
      facility: item.facility,
      description: jsonText(item.description),
      unit: jsonText(item.unit),
      step: Boolean(item.step),
      externalId: jsonText(item.externalId),
    });
    return this.series.get(id)!;
  }

  private query(req: IncomingMessage, res: ServerResponse, body: unknown, topToken: string | null): void {
    if (!Array.isArray(body)) return this.error(req, res, 400, 'Request body must be an array');
    if (body.length > 100) return this.error(req, res, 400, 'Too many items in request. Maximum is 100.');
    const offsets = topToken ? (JSON.parse(Buffer.from(topToken, 'base64url').toString('utf8')) as number[]) : undefined;
    if (offsets && offsets.length !== body.length) return this.error(req, res, 400, 'Invalid continuationToken');
    const nextOffsets: number[] = [];
    const items = [];
    for (const [i, raw] of body.entries()) {
      const item = (raw ?? {}) as {
        id?: unknown;
        startTime?: unknown;
        endTime?: unknown;
        limit?: unknown;
        statusFilter?: unknown;
        continuationToken?: unknown;
      };
      if (typeof item.id !== 'string' || !this.series.has(item.id))
        return this.error(req, res, 404, `Timeseries not found: ${String(item.id)}`);
      const from = Date.parse(String(item.startTime));
      const to = Date.parse(String(item.endTime));
      if (Number.isNaN(from) || Number.isNaN(to)) return this.error(req, res, 400, 'startTime and endTime must be RFC 3339 times');
      const limit = typeof item.limit === 'number' ? item.limit : 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) return this.error(req, res, 400, 'limit must be between 1 and 100000');
      const statuses =
        Array.isArray(item.statusFilter) && !this.options.ignoreStatusFilter ? new Set(item.statusFilter as number[]) : undefined;
      const all = this.generated.has(item.id)
        ? generate(this.generated.get(item.id)!, from, to)
        : [...(this.points.get(item.id)?.values() ?? [])]
            .filter((p) => p.ms >= from && p.ms <= to && (!statuses || statuses.has(p.status)))
            .sort((a, b) => a.ms - b.ms);
      const offset = offsets?.[i] ?? decodeOffset(typeof item.continuationToken === 'string' ? item.continuationToken : null);
      const size = Math.min(limit, this.pagePoints);
      const page = offset < 0 ? [] : all.slice(offset, offset + size);
      const next = offset >= 0 && offset + size < all.length ? offset + size : -1;
      nextOffsets.push(next);
      items.push({
        id: item.id,
        datapoints: page.map(({ time, value, status }) => ({ time: sevenDigits(time), value, status })),
        continuationToken: next >= 0 ? encodeOffset(next) : null,
      });
    }
    const more = nextOffsets.some((o) => o >= 0) && this.options.paging !== 'items';
    this.ok(req, res, {
      data: { items },
      count: items.length,
      continuationToken: more ? Buffer.from(JSON.stringify(nextOffsets)).toString('base64url') : null,
    });
  }

  private write(req: IncomingMessage, res: ServerResponse, body: unknown, async: string | null): void {
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) return this.error(req, res, 400, 'Request body must have items');
    for (const item of items as { id?: unknown; datapoints?: unknown }[]) {
      if (typeof item.id !== 'string' || !this.series.has(item.id))
        return this.error(req, res, 404, `Timeseries not found: ${String(item.id)}`);
      if (!Array.isArray(item.datapoints)) return this.error(req, res, 400, 'datapoints must be an array');
      for (const p of item.datapoints as Record<string, unknown>[]) {
        if (typeof p.value !== 'number' || !Number.isFinite(p.value))
          return this.error(req, res, 400, `Invalid datapoint value for ${item.id}`);
        if (typeof p.status !== 'number' || !Number.isInteger(p.status))
          return this.error(req, res, 400, `Invalid datapoint status for ${item.id}`);
        if (typeof p.time !== 'string' || Number.isNaN(Date.parse(p.time)))
          return this.error(req, res, 400, `Invalid datapoint time for ${item.id}`);
      }
    }
    for (const item of items as { id: string; datapoints: DataApiPoint[] }[]) {
      this.writtenPoints += item.datapoints.length;
      if (!this.options.discardWrites) this.addPoints(item.id, item.datapoints);
    }
    if (async === 'true') return this.ok(req, res, { statusCode: 202, message: 'Accepted', traceId: randomUUID() }, 202);
    this.ok(req, res, { statusCode: 200, message: `Successfully wrote datapoints to ${items.length} timeseries`, traceId: randomUUID() });
  }

  private ok(req: IncomingMessage, res: ServerResponse, body: object, status = 200): void {
    this.record(req, status);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }

  private error(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
    this.record(req, status);
    if (res.headersSent) return void res.end();
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ statusCode: status, message, traceId: randomUUID() }));
  }

  private record(req: IncomingMessage, status: number): void {
    this.requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname, status });
  }
}

/** Points of a generated series: good-status values `valueOf(i)` at `fromMs + i * stepMs`. */
export interface GeneratedPoints {
  readonly fromMs: number;
  readonly stepMs: number;
  readonly count: number;
  readonly valueOf: (i: number) => number;
}

function generate(g: GeneratedPoints, from: number, to: number): (DataApiPoint & { ms: number })[] {
  const points = [];
  const first = Math.max(0, Math.ceil((from - g.fromMs) / g.stepMs));
  const last = Math.min(g.count - 1, Math.floor((to - g.fromMs) / g.stepMs));
  for (let i = first; i <= last; i++) {
    const ms = g.fromMs + i * g.stepMs;
    points.push({ ms, time: new Date(ms).toISOString(), value: g.valueOf(i), status: 192 });
  }
  return points;
}

/** The API answers with 7 fractional digits (`…:05.4200000Z`); points written with fewer are padded. */
function sevenDigits(time: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(7, '0').slice(0, 7)}Z` : time;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function encodeOffset(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeOffset(token: string | null): number {
  if (!token) return 0;
  const match = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : 0;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
