import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate, type SelfSignedCertificate } from './selfSignedCertificate.js';

/** A custom resource as the API server stores it. */
export interface StoredResource {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    ownerReferences?: unknown[];
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Model phases gordo-controller writes. */
export type ModelPhase = 'Unknown' | 'InProgress' | 'Failed' | 'Succeeded';

const PLURALS = { gordos: 'Gordo', models: 'Model' } as const;

/**
 * Plays the Kubernetes API server's list endpoints for the two Gordo CRDs (gordo.md 3.4), over HTTPS with
 * bearer-token authentication: `GET /apis/equinor.com/v1/namespaces/<ns>/{gordos,models}[/<name>]` with
 * equality `labelSelector`s, `limit` and `continue` paging, `Status` bodies for 401/404, and
 * `resourceVersion` on lists. Writes a kubeconfig file that points kubectl (and client-node) at it.
 */
export class KubernetesServer {
  readonly requests: { path: string; labelSelector: string | null }[] = [];
  /** Answer the next N requests with this status (a flaky API server). */
  failures: { status: number; times: number }[] = [];
  private readonly resources: { gordos: StoredResource[]; models: StoredResource[] } = { gordos: [], models: [] };
  private resourceVersion = 1000;
  private readonly dir = mkdtempSync(join(tmpdir(), 'latigo-kube-'));

  private constructor(
    private readonly server: Server,
    private readonly certificate: SelfSignedCertificate,
    readonly token: string,
  ) {}

  static async start(token = 'loopback-service-account-token'): Promise<KubernetesServer> {
    const certificate = selfSignedCertificate();
    const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => instance.handle(req, res));
    const instance = new KubernetesServer(server, certificate, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig file for this server (context `loopback`), as `az aks get-credentials` would write one. */
  writeKubeconfig(token = this.token): string {
    const file = join(this.dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: loopback',
        'clusters:',
        '- name: loopback',
        '  cluster:',
        `    server: ${this.url}`,
        `    certificate-authority-data: ${Buffer.from(this.certificate.cert).toString('base64')}`,
        'users:',
        '- name: latigo',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: loopback',
        '  context:',
        '    cluster: loopback',
        '    user: latigo',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Creates or replaces the Gordo resource of a project, at `revision` (its status.project-revision). */
  putGordo(namespace: string, project: string, revision: string, models: readonly string[]): void {
    this.put('gordos', {
      apiVersion: 'equinor.com/v1',
      kind: 'Gordo',
      metadata: { name: project, namespace },
      spec: { 'deploy-version': '6.0.4', config: { machines: models.map((name) => ({ name, dataset: '...' })) } },
      status: { 'n-models': models.length, 'n-models-built': 0, 'project-revision': revision, 'submission-status': { Submitted: 1 } },
    });
  }

  /** Creates or replaces the Model resource of `model` at `revision`, with the workflow's labels. */
  putModel(
    namespace: string,
    project: string,
    revision: string,
    model: string,
    config: Record<string, unknown>,
    phase: ModelPhase,
    message?: string,
  ): void {
    this.put('models', {
      apiVersion: 'equinor.com/v1',
      kind: 'Model',
      metadata: {
        name: `${project}-${model}-${revision}`,
        namespace,
        labels: {
          'applications.gordo.equinor.com/project-name': project,
          'applications.gordo.equinor.com/project-revision': revision,
          'applications.gordo.equinor.com/model-name': model,
          'app.kubernetes.io/managed-by': 'gordo',
        },
        ownerReferences: [{ apiVersion: 'equinor.com/v1', kind: 'Gordo', name: project }],
      },
      spec: { 'gordo-version': '6.0.4', config: { name: model, project_name: project, ...config } },
      status: { phase, revision, ...(message === undefined ? {} : { message, code: 1, error_type: 'ValueError' }) },
    });
  }

  setModelPhase(namespace: string, project: string, revision: string, model: string, phase: ModelPhase): void {
    const found = this.resources.models.find(
      (m) => m.metadata.namespace === namespace && m.metadata.name === `${project}-${model}-${revision}`,
    );
    if (!found) throw new Error(`no Model ${project}/${model} at ${revision}`);
    found.status = { ...found.status, phase };
    found.metadata.resourceVersion = String(++this.resourceVersion);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections(); // keep-alive clients would hold close() open
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private put(plural: keyof typeof PLURALS, resource: StoredResource): void {
    const list = this.resources[plural];
    const i = list.findIndex((r) => r.metadata.namespace === resource.metadata.namespace && r.metadata.name === resource.metadata.name);
    resource.metadata.resourceVersion = String(++this.resourceVersion);
    resource.metadata.uid = `uid-${this.resourceVersion}`;
    if (i >= 0) list[i] = resource;
    else list.push(resource);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://kubernetes');
    this.requests.push({ path: url.pathname, labelSelector: url.searchParams.get('labelSelector') });
    const failure = this.failures.find((f) => f.times > 0);
    if (failure) {
      failure.times--;
      status(res, failure.status, 'InternalError', 'the server is currently unable to handle the request');
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const match = /^\/apis\/equinor\.com\/v1\/namespaces\/([^/]+)\/(gordos|models)(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const namespace = decodeURIComponent(match[1]!);
    const plural = match[2] as keyof typeof PLURALS;
    const inNamespace = this.resources[plural].filter((r) => r.metadata.namespace === namespace);
    if (match[3] !== undefined) {
      const name = decodeURIComponent(match[3]);
      const found = inNamespace.find((r) => r.metadata.name === name);
      if (found) send(res, 200, found);
      else status(res, 404, 'NotFound', `${plural}.equinor.com "${name}" not found`);
      return;
    }
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    if (typeof selector === 'string') {
      status(res, 400, 'BadRequest', selector);
      return;
    }
    const matching = inNamespace
      .filter((r) => selector.every(([k, v]) => r.metadata.labels?.[k] === v))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const start = Number(url.searchParams.get('continue') ?? '0');
    const page = limit > 0 ? matching.slice(start, start + limit) : matching;
    const next = limit > 0 && start + limit < matching.length ? String(start + limit) : undefined;
    send(res, 200, {
      apiVersion: 'equinor.com/v1',
      kind: `${PLURALS[plural]}List`,
      items: page,
      metadata: { resourceVersion: String(this.resourceVersion), ...(next === undefined ? {} : { continue: next }) },
    });
  }
}

/** Equality selectors only (`k=v`, `k==v`, comma-separated), as latigo sends; anything else is a 400. */
function parseSelector(text: string | null): [string, string][] | string {
  if (text === null || text === '') return [];
  const pairs: [string, string][] = [];
  for (const part of text.split(',')) {
    const m = /^([^=!]+)==?([^=]*)$/.exec(part.trim());
    if (!m) return `unable to parse requirement: ${part}`;
    pairs.push([m[1]!, m[2]!]);
  }
  return pairs;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
