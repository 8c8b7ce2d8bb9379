import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which Gordo server generation to play (reference gordo.md 1.2-1.8). */
export type GordoFlavour = '0.57' | '6.x';

/** A tag as metadata writes it: a plain name, or an object with at least `name`. */
export type GordoTagEntry = string | { name: string; asset?: string; unit?: string };

/** One model of a revision, as the builder would have left it on disk. */
export interface GordoModelSpec {
  readonly name: string;
  readonly tags: readonly GordoTagEntry[];
  /** Omitted or empty: the model predicts its input tags. */
  readonly targetTags?: readonly GordoTagEntry[];
  /** A pandas alias, e.g. `10T`, `10S`, `10min`. */
  readonly resolution: string;
  readonly trainStart: string;
  readonly trainEnd: string;
  readonly modelOffset?: number;
  readonly rowFilter?: string | readonly string[];
  readonly rowFilterBufferSize?: number;
  readonly nSamplesThreshold?: number;
  /** `model_meta["aggregate-threshold"]`; also divides `total-anomaly-confidence`. Omitted: no thresholds. */
  readonly aggregateThreshold?: number;
  /** The last target's feature threshold is 0, so its `anomaly-confidence` is Infinity (written as Python does). */
  readonly zeroLastThreshold?: boolean;
  /** Rolling window of a smoothed model: the 0.5x server then returns `smooth-*` groups (NaN for the first rows). */
  readonly smoothingWindow?: number;
  /** 'plain': `/anomaly/prediction` answers 422 (not an anomaly detector); 'broken': both endpoints answer 422. */
  readonly kind?: 'anomaly' | 'plain' | 'broken';
}

interface Revision {
  readonly id: string;
  readonly models: Map<string, GordoModelSpec>;
  readonly expected: readonly string[];
}

interface Project {
  readonly revisions: Map<string, Revision>;
  latest: string;
}

/** A request as the server saw it, for assertions (the revision each call pinned, the bodies sent). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly revision: string | null;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** An injected fault for the next matching requests. */
export interface GordoFault {
  /** Which requests it applies to (default: every request). */
  readonly match?: (request: { method: string; path: string }) => boolean;
  /** How many matching requests it spoils. */
  times: number;
  /** `status`: answer with it (HTML body, like a gateway); `hang`: never answer; `reset`: destroy the socket. */
  readonly kind: 'status' | 'hang' | 'reset';
  readonly status?: number;
}

const MODEL_SCALE = 0.95;
let lastRevision = 0;

/**
 * Plays one Gordo gateway with its per-project ML servers, over real HTTP, as gordo.md documents them:
 * `/gordo/v0/<project>/{models,expected-models,revisions}`, `<model>/metadata`, `<model>/prediction`,
 * `<model>/anomaly/prediction`; revision selection by `?revision=` or header, 410 for a missing revision,
 * `"revision"` added to every JSON answer, NaN/Infinity written as Python does (bare tokens), row keys with
 * a space separator, single-column groups keyed by their own name. 0.5x answers 404 as JSON and includes
 * `smooth-*` groups; 6.x answers 404 as an HTML page, refuses non-numeric revisions and omits `smooth-*`.
 * An unknown project gets a 200 HTML page (as a gateway with no route does).
 *
 * Its "model" is deliberately simple and documented: output = 0.95 x the tag's input (0 for targets that
 * are not inputs); scaled anomaly = |output - y| / (1 + tag index); totals are the mean squares.
 */
export class GordoServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: GordoFault[] = [];
  /** When set, every successful prediction answer is this body (the benchmark's precomputed answer). */
  precomputedAnswer: string | undefined;
  /** The body of the last prediction answer computed (to precompute a benchmark's answer from). */
  lastAnswer: string | undefined;
  /** Successful prediction answers sent so far. */
  predictionsAnswered = 0;
  private readonly triggers: { after: number; action: () => void }[] = [];
  private readonly projects = new Map<string, Project>();

  /** Requests that hang are kept here so close() can release them. */
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly flavour: GordoFlavour,
    private readonly requiredToken: string | undefined,
  ) {}

  static async start(options: { flavour?: GordoFlavour; bearerToken?: string } = {}): Promise<GordoServer> {
    const server = createServer((req, res) => {
      instance.handle(req, res);
    });
    const instance = new GordoServer(server, options.flavour ?? '6.x', options.bearerToken);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Deploys a new revision of `project` holding `models` and makes it the latest (as a rebuild does).
   * `expected` defaults to the models' names; names expected but absent from `models` are "being built".
   * Returns the new revision (a millisecond timestamp, as gordo-controller assigns).
   */
  deploy(project: string, models: readonly GordoModelSpec[], options: { expected?: readonly string[] } = {}): string {
    // A millisecond timestamp, unique across servers as gordo-controller's are across rebuilds.
    const id = String((lastRevision = Math.max(lastRevision + 1, Date.now())));
    const entry = this.projects.get(project) ?? { revisions: new Map<string, Revision>(), latest: id };
    entry.revisions.set(id, {
      id,
      models: new Map(models.map((m) => [m.name, m])),
      expected: options.expected ?? models.map((m) => m.name),
    });
    entry.latest = id;
    this.projects.set(project, entry);
    return id;
  }

  /** Adds a built model to an existing revision (a builder finishing). */
  addModel(project: string, revision: string, model: GordoModelSpec): void {
    this.revision(project, revision).models.set(model.name, model);
  }

  /** Deletes a revision's directory: later requests for it answer 410. */
  removeRevision(project: string, revision: string): void {
    this.projects.get(project)?.revisions.delete(revision);
  }

  latest(project: string): string {
    return this.projects.get(project)!.latest;
  }

  projectNames(): string[] {
    return [...this.projects.keys()];
  }

  models(project: string, revision: string): GordoModelSpec[] {
    return [...this.revision(project, revision).models.values()];
  }

  /** Runs `action` once the `count`-th successful prediction answer has been sent (e.g. a rebuild mid-cycle). */
  afterPredictions(count: number, action: () => void): void {
    this.triggers.push({ after: count, action });
  }

  /** Injects a fault for the next `times` requests that `match`. */
  fail(fault: GordoFault): void {
    this.faults.push(fault);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections(); // keep-alive clients would hold close() open
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private revision(project: string, revision: string): Revision {
    const found = this.projects.get(project)?.revisions.get(revision);
    if (!found) throw new Error(`no revision ${revision} of ${project}`);
    return found;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        this.route(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        html(res, 500, `<h1>Internal Server Error</h1><p>${String(err)}</p>`);
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://gordo');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const headerRevision = req.headers['revision'];
    const requested = url.searchParams.get('revision') ?? (typeof headerRevision === 'string' ? headerRevision : null);
    this.requests.push({ method, path, revision: requested, authorization: req.headers.authorization, body });

    const fault = this.faults.find((f) => f.times > 0 && (f.match?.({ method, path }) ?? true));
    if (fault) {
      fault.times--;
      if (fault.kind === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      html(
        res,
        fault.status ?? 503,
        `<html><body><h1>${fault.status ?? 503} Service Unavailable</h1><p>upstream connect error</p></body></html>`,
      );
      return;
    }
    if (this.requiredToken !== undefined && req.headers.authorization !== `Bearer ${this.requiredToken}`) {
      json(res, 401, { error: 'unauthorized' });
      return;
    }

    const parts = path.replace(/\/+$/, '').split('/').slice(1).map(decodeURIComponent); // gordo, v0, project, ...
    if (parts[0] !== 'gordo' || parts[1] !== 'v0' || parts.length < 4) {
      html(res, 404, '<h1>Not Found</h1>');
      return;
    }
    const project = this.projects.get(parts[2]!);
    // The gateway routes only known projects; anything else meets its default page, with a 200.
    if (!project) {
      html(res, 200, '<html><body>Welcome to the gateway</body></html>');
      return;
    }

    // before_request: resolve the revision for the whole request.
    if (requested !== null && this.flavour === '6.x' && !/^\d+$/.test(requested)) {
      json(res, 410, { error: 'Revision should only contains numbers.' }, requested);
      return;
    }
    const revisionId = requested ?? project.latest;
    const revision = project.revisions.get(revisionId);
    if (!revision) {
      json(res, 410, { error: `Revision '${revisionId}' not found.`, revision: revisionId }, revisionId);
      return;
    }

    const rest = parts.slice(3);
    if (rest.length === 1 && method === 'GET') {
      switch (rest[0]) {
        case 'models':
          json(res, 200, { models: [...revision.models.keys()] }, revisionId);
          return;
        case 'expected-models':
          json(res, 200, { 'expected-models': revision.expected }, revisionId);
          return;
        case 'revisions':
          json(res, 200, { latest: project.latest, 'available-revisions': [...project.revisions.keys()] }, revisionId);
          return;
      }
    }
    const model = revision.models.get(rest[0]!);
    const action = rest.slice(1).join('/');
    if (!model) {
      this.notFound(res, revisionId, rest[0]!);
      return;
    }
    if (method === 'GET' && (action === 'metadata' || action === 'healthcheck')) {
      json(res, 200, metadataDocument(model, parts[2]!, revisionId, this.flavour), revisionId);
      return;
    }
    if (method === 'POST' && (action === 'prediction' || action === 'anomaly/prediction')) {
      this.predict(res, model, action, body, revisionId);
      return;
    }
    this.notFound(res, revisionId, rest.join('/'));
  }

  private notFound(res: ServerResponse, revision: string, what: string): void {
    if (this.flavour === '0.57') json(res, 404, { message: `Model '${what}' not found` }, revision);
    else
      html(
        res,
        404,
        '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n',
      );
  }

  private predict(res: ServerResponse, model: GordoModelSpec, action: string, body: string, revision: string): void {
    const anomaly = action === 'anomaly/prediction';
    if (model.kind === 'broken' || (anomaly && model.kind === 'plain')) {
      json(res, 422, { message: `Model is not an AnomalyDetector, it is of type: <class 'sklearn.pipeline.Pipeline'>` }, revision);
      return;
    }
    if (this.precomputedAnswer !== undefined) {
      // The benchmark measures the client: answer at once, without the server's own parsing.
      send(res, 200, 'application/json', this.precomputedAnswer, revision);
      this.answered();
      return;
    }
    let request: { X?: Record<string, Record<string, number>>; y?: Record<string, Record<string, number>> };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      json(res, 400, { message: 'Failed to decode JSON' }, revision);
      return;
    }
    if (!request.X) {
      json(res, 400, { message: 'Cannot predict without "X"' }, revision);
      return;
    }
    if (anomaly && !request.y) {
      json(res, 400, { message: "Cannot perform anomaly without 'y' to compare against." }, revision);
      return;
    }
    const xTags = names(model.tags);
    const yTags = model.targetTags && model.targetTags.length > 0 ? names(model.targetTags) : xTags;
    const x = verifyFrame(request.X, xTags);
    const y = request.y ? verifyFrame(request.y, yTags) : undefined;
    if (typeof x === 'string' || typeof y === 'string') {
      json(res, 400, { message: typeof x === 'string' ? x : y }, revision);
      return;
    }
    const resolutionMs = resolutionOf(model.resolution);
    const offset = model.modelOffset ?? 0;
    // Rows are sorted by index; a sequence model answers for the last len - offset of them.
    const keys = x.keys
      .map((key) => ({ key, t: Date.parse(key.replace(' ', 'T')) }))
      .sort((a, b) => a.t - b.t)
      .slice(offset);
    const data: Record<string, Record<string, Record<string, number | string>>> = {};
    const group = (name: string, subs: readonly string[], value: (sub: number, row: number) => number | string) => {
      data[name] = Object.fromEntries(subs.map((sub, s) => [sub, Object.fromEntries(keys.map((k, r) => [pandasKey(k.t), value(s, r)]))]));
    };
    const xAt = (tag: string, r: number) => x.columns.get(tag)![keys[r]!.key]!;
    const yAt = (tag: string, r: number) => (y ?? x).columns.get(tag)?.[keys[r]!.key] ?? Number.NaN;
    const output = (s: number, r: number) => (xTags.includes(yTags[s]!) ? MODEL_SCALE * xAt(yTags[s]!, r) : 0);
    group('start', ['start'], (_, r) => isoKey(keys[r]!.t));
    group('end', ['end'], (_, r) => isoKey(keys[r]!.t + resolutionMs));
    group('model-input', xTags, (s, r) => xAt(xTags[s]!, r));
    group('model-output', yTags, output);
    if (anomaly) {
      const unscaled = (s: number, r: number) => Math.abs(output(s, r) - yAt(yTags[s]!, r));
      const scaled = (s: number, r: number) => unscaled(s, r) / (1 + s);
      const meanSquare = (f: (s: number, r: number) => number, r: number) =>
        yTags.reduce((sum, _, s) => sum + f(s, r) ** 2, 0) / yTags.length;
      group('tag-anomaly-scaled', yTags, scaled);
      group('tag-anomaly-unscaled', yTags, unscaled);
      group('total-anomaly-scaled', ['total-anomaly-scaled'], (_, r) => meanSquare(scaled, r));
      group('total-anomaly-unscaled', ['total-anomaly-unscaled'], (_, r) => meanSquare(unscaled, r));
      if (model.aggregateThreshold !== undefined) {
        const threshold = model.aggregateThreshold;
        const zeroAt = model.zeroLastThreshold ? yTags.length - 1 : -1;
        group('anomaly-confidence', yTags, (s, r) => scaled(s, r) / (s === zeroAt ? 0 : 1));
        group('total-anomaly-confidence', ['total-anomaly-confidence'], (_, r) => meanSquare(scaled, r) / threshold);
      }
      if (this.flavour === '0.57' && model.smoothingWindow !== undefined) {
        const w = model.smoothingWindow;
        const smooth = (f: (s: number, r: number) => number) => (s: number, r: number) => {
          if (r < w - 1) return Number.NaN;
          let sum = 0;
          for (let i = r - w + 1; i <= r; i++) sum += f(s, i);
          return sum / w;
        };
        group('smooth-tag-anomaly-scaled', yTags, smooth(scaled));
        group(
          'smooth-total-anomaly-scaled',
          ['smooth-total-anomaly-scaled'],
          smooth((_, r) => meanSquare(scaled, r)),
        );
      }
    }
    const answer: Record<string, unknown> = { data };
    if (anomaly) answer['time-seconds'] = '0.0123';
    this.lastAnswer = pythonJson({ ...answer, revision });
    send(res, 200, 'application/json', this.lastAnswer, revision);
    this.answered();
  }

  private answered(): void {
    this.predictionsAnswered++;
    for (const trigger of this.triggers.filter((t) => t.after === this.predictionsAnswered)) trigger.action();
  }
}

/** The metadata document of reference 1.7, with the fields latigo reads and some it ignores. */
function metadataDocument(model: GordoModelSpec, project: string, revision: string, flavour: GordoFlavour): Record<string, unknown> {
  const modelMeta: Record<string, unknown> = {};
  if (model.aggregateThreshold !== undefined) {
    modelMeta['aggregate-threshold'] = model.aggregateThreshold;
    modelMeta['feature-thresholds'] = (model.targetTags ?? model.tags).map((_, i, all) =>
      model.zeroLastThreshold && i === all.length - 1 ? 0 : 1,
    );
  }
  if (model.smoothingWindow !== undefined) {
    modelMeta['window'] = model.smoothingWindow;
    modelMeta['smooth-aggregate-threshold'] = Number.NaN; // as the builder writes for windows it could not evaluate
  }
  return {
    'gordo-server-version': flavour === '0.57' ? '0.57.2' : '6.0.4',
    metadata: {
      name: model.name,
      project_name: project,
      dataset: {
        type: 'TimeSeriesDataset',
        tag_list: model.tags,
        target_tag_list: model.targetTags ?? [],
        train_start_date: model.trainStart,
        train_end_date: model.trainEnd,
        resolution: model.resolution,
        aggregation_methods: 'mean',
        row_filter: model.rowFilter ?? '',
        row_filter_buffer_size: model.rowFilterBufferSize ?? 0,
        n_samples_threshold: model.nSamplesThreshold ?? 0,
        asset: null,
        data_provider: { type: 'DataLakeProvider', interactive: false },
      },
      model: {
        'gordo.machine.model.anomaly.diff.DiffBasedAnomalyDetector': { base_estimator: { 'sklearn.pipeline.Pipeline': { steps: [] } } },
      },
      metadata: {
        user_defined: { 'machine-metadata': {} },
        build_metadata: {
          model: {
            model_offset: model.modelOffset ?? 0,
            model_creation_date: '2020-11-08 19:16:08.971313+00:00',
            model_builder_version: flavour === '0.57' ? '0.57.2' : '6.0.4',
            cross_validation: { scores: { 'explained-variance-score': { 'fold-mean': Number.NaN } } },
            model_meta: modelMeta,
          },
          dataset: { query_duration_sec: 1.5, dataset_meta: {} },
        },
      },
      runtime: { server: { resources: {} } },
      evaluation: { cv_mode: 'full_build' },
    },
    env: { MODEL_COLLECTION_DIR: `/gordo/models/${project}/models/${revision}` },
    ...(flavour === '6.x' ? { checksum: 'c0ffee' } : {}),
  };
}

function verifyFrame(
  frame: Record<string, Record<string, number>>,
  expected: readonly string[],
): { keys: string[]; columns: Map<string, Record<string, number>> } | string {
  const columns = Object.keys(frame);
  let mapping: Map<string, Record<string, number>>;
  if (expected.every((tag) => tag in frame)) mapping = new Map(expected.map((tag) => [tag, frame[tag]!]));
  else if (columns.length === expected.length) mapping = new Map(expected.map((tag, i) => [tag, frame[columns[i]!]!]));
  else
    return `Unexpected features: was expecting ${JSON.stringify(expected)} length of ${expected.length}, but got ${JSON.stringify(columns)} length of ${columns.length}`;
  const keys = Object.keys(mapping.values().next().value ?? {});
  return { keys, columns: mapping };
}

function names(entries: readonly GordoTagEntry[]): string[] {
  return entries.map((e) => (typeof e === 'string' ? e : e.name));
}

function resolutionOf(alias: string): number {
  const match = /^(\d*)([A-Za-z]+)$/.exec(alias)!;
  const unit: Record<string, number> = { T: 60_000, min: 60_000, S: 1_000, s: 1_000, H: 3_600_000, h: 3_600_000, D: 86_400_000 };
  return Number(match[1] || 1) * unit[match[2]!]!;
}

/** pandas `str(Timestamp)`: a space, `+00:00`, microseconds only when non-zero. */
function pandasKey(t: number): string {
  const iso = new Date(t).toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}000`}+00:00`;
}

/** `Timestamp.isoformat()`: a `T`, `+00:00`. */
function isoKey(t: number): string {
  return pandasKey(t).replace(' ', 'T');
}

/** Python's json.dumps: NaN and ±Infinity as bare tokens (not JSON). */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isFinite(v)) return v;
    return Number.isNaN(v) ? '\u0000NaN' : v > 0 ? '\u0000Infinity' : '\u0000-Infinity';
  }).replace(/"\\u0000(NaN|Infinity|-Infinity)"/g, '$1');
}

function json(res: ServerResponse, status: number, body: Record<string, unknown>, revision?: string): void {
  // after_request: every JSON object answer carries the resolved revision.
  const withRevision = revision === undefined ? body : { ...body, revision: body['revision'] ?? revision };
  send(res, status, 'application/json', pythonJson(withRevision), revision);
}

function html(res: ServerResponse, status: number, body: string): void {
  send(res, status, 'text/html; charset=utf-8', body, undefined);
}

function send(res: ServerResponse, status: number, contentType: string, body: string, revision: string | undefined): void {
  const headers: Record<string, string | number> = {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Server-Timing': 'request_walltime_s;dur=0.001',
  };
  if (revision !== undefined) headers['revision'] = revision;
  res.writeHead(status, headers).end(body);
}
