import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import { abandonOnAbort, timeoutSignal } from '../../src/runtime/abort.js';
import { ProviderError, throwIfAborted, isProviderError } from '../../src/runtime/errors.js';
import type { KubernetesModelInfoConfig } from './config.js';

/** The API group, version and plurals of the two CRDs gordo-controller owns (reference 3.1). */
export const GORDO_GROUP = 'equinor.com';
export const GORDO_VERSION = 'v1';

/** The parts of a custom resource latigo reads; everything else is ignored. */
export interface CustomResource {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/** The list calls latigo makes: Gordo and Model resources of one namespace. */
export interface GordoResourceClientLike {
  listGordos(options?: CallOptions): Promise<CustomResource[]>;
  /** One Gordo resource; undefined when the namespace has none of that name. */
  getGordo(name: string, options?: CallOptions): Promise<CustomResource | undefined>;
  /** Model resources matching an equality label selector (`k=v,k2=v2`). */
  listModels(labelSelector: string, options?: CallOptions): Promise<CustomResource[]>;
}

/** Items per list page; a bigger namespace is read page by page with the `continue` token. */
const PAGE_SIZE = 500;

/**
 * Lists the CRDs through `@kubernetes/client-node`, configured as kubectl is (in-cluster service account,
 * $KUBECONFIG or ~/.kube/config) unless a kubeconfig file is named. Translates API errors once:
 * 5xx, 429 and connection failures are retryable; 401/403 (RBAC), 404 (CRD not installed) are permanent.
 */
export class GordoResourceClient implements GordoResourceClientLike {
  private readonly api: CustomObjectsApi;

  constructor(private readonly config: KubernetesModelInfoConfig) {
    const kubeConfig = new KubeConfig();
    if (config.kubeconfig === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(config.kubeconfig);
    if (config.context !== undefined) kubeConfig.setCurrentContext(config.context);
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  listGordos(options?: CallOptions): Promise<CustomResource[]> {
    return this.list('gordos', undefined, options);
  }

  listModels(labelSelector: string, options?: CallOptions): Promise<CustomResource[]> {
    return this.list('models', labelSelector, options);
  }

  async getGordo(name: string, options?: CallOptions): Promise<CustomResource | undefined> {
    throwIfAborted(options?.signal);
    const operation = `kubernetes.get gordos.${GORDO_GROUP}/${name} in ${this.config.namespace}`;
    try {
      return (await this.call(operation, options?.signal, () =>
        this.api.getNamespacedCustomObject({
          group: GORDO_GROUP,
          version: GORDO_VERSION,
          namespace: this.config.namespace,
          plural: 'gordos',
          name,
        }),
      )) as CustomResource;
    } catch (err) {
      if (isProviderError(err) && err.cause instanceof ApiException && err.cause.code === 404) return undefined;
      throw err;
    }
  }

  private async list(plural: 'gordos' | 'models', labelSelector: string | undefined, options?: CallOptions): Promise<CustomResource[]> {
    const operation = `kubernetes.list ${plural}.${GORDO_GROUP} in ${this.config.namespace}`;
    const items: CustomResource[] = [];
    let token: string | undefined;
    do {
      throwIfAborted(options?.signal);
      const page = (await this.call(operation, options?.signal, () =>
        this.api.listNamespacedCustomObject({
          group: GORDO_GROUP,
          version: GORDO_VERSION,
          namespace: this.config.namespace,
          plural,
          limit: PAGE_SIZE,
          ...(labelSelector === undefined ? {} : { labelSelector }),
          ...(token === undefined ? {} : { _continue: token }),
        }),
      )) as { items?: CustomResource[]; metadata?: { continue?: string } };
      items.push(...(page.items ?? []));
      token = page.metadata?.continue || undefined;
    } while (token !== undefined);
    return items;
  }

  /** One request, bounded by the timeout and abandoned (not awaited) when the signal fires. */
  private async call<T>(operation: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const bounded = timeoutSignal(signal, this.config.timeoutMs, `${operation}: no answer within ${this.config.timeoutMs} ms`);
    try {
      return await abandonOnAbort(fn(), bounded.signal);
    } catch (err) {
      throwIfAborted(signal);
      if (bounded.timedOut()) throw new ProviderError(`${operation}: no answer within ${this.config.timeoutMs} ms`, { retryable: true });
      throw toProviderError(err, operation);
    } finally {
      bounded.dispose();
    }
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/** The only code that reads client-node errors. */
export function toProviderError(err: unknown, operation: string): ProviderError {
  if (err instanceof ApiException) {
    const status = err.code;
    const retryable = status >= 500 || status === 429;
    const hint =
      status === 401 || status === 403
        ? ' (the service account needs get/list on gordos and models in equinor.com)'
        : status === 404
          ? ' (are the Gordo CRDs installed, and the namespace right?)'
          : '';
    return new ProviderError(
      `${operation}: HTTP ${status}: ${statusMessage(err.body) ?? /^Message: (.*)$/m.exec(err.message)?.[1] ?? 'no message'}${hint}`,
      { retryable, cause: err },
    );
  }
  const code = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const errno = typeof code?.code === 'string' ? code.code : typeof code?.cause?.code === 'string' ? code.cause.code : '';
  const message = err instanceof Error ? err.message : String(err);
  const retryable = TRANSIENT_CODES.has(errno) || /socket hang up|ECONNRESET|ECONNREFUSED|network|fetch failed/i.test(message);
  return new ProviderError(`${operation}: ${message}`, { retryable, cause: err });
}

/** A Kubernetes `Status` body's message (its body is text or already parsed; client-node leaves it out for some codes). */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 300);
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
