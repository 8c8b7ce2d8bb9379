import { outputDefinitionSchema, type OutputDefinition, type OutputsConfig } from '../config/outputsSections.js';
import type { Clock } from '../runtime/clock.js';
import { ConfigError } from '../runtime/errors.js';
import type { AllowedHosts } from './allowedHosts.js';
import { compileOutput, maskedDefinition, OutputDefinitionError, renderRequest, type RenderedRequest } from './compileOutput.js';
import { eventContext, type OutboxEventLike } from './eventContext.js';
import type { DeliveryState, OutputStore, StoredOutput } from './OutputStore.js';
import { signature } from './sendRequest.js';
import { sampleContext } from './template/templateContext.js';

/** What a caller did wrong, with the input at fault (`body.payload`); the API answers it as a problem. */
export class OutputRequestError extends Error {
  override readonly name = 'OutputRequestError';
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Output definitions as the API and the configuration manage them: parsed, checked, saved, listed masked. */
export class OutputService {
  constructor(
    private readonly deps: {
      store: OutputStore;
      config: OutputsConfig;
      allowed: AllowedHosts;
      clock: Clock;
      /** Told after every change (the dispatcher reloads). */
      onChange?: () => Promise<void>;
    },
  ) {}

  /** Saves `outputs.definitions` (at api start) and removes config outputs no longer declared; a bad one is a ConfigError naming its key. */
  async syncConfig(): Promise<void> {
    const { store, config, allowed, clock } = this.deps;
    config.definitions.forEach((definition, i) => {
      try {
        compileOutput(definition, allowed);
      } catch (err) {
        if (err instanceof OutputDefinitionError)
          throw new ConfigError(`outputs.definitions[${i}].${err.field}`, err.message.slice(err.field.length + 2));
        throw err;
      }
    });
    for (const definition of config.definitions) {
      const existing = await store.get(definition.id);
      if (existing?.source === 'api') {
        throw new ConfigError(
          `outputs.definitions`,
          `output "${definition.id}" was created through the API; delete it there or rename this one`,
        );
      }
      await store.save(definition, 'config', clock());
    }
    await store.deleteConfigOutputsExcept(config.definitions.map((d) => d.id));
    await this.deps.onChange?.();
  }

  async list(): Promise<Record<string, unknown>[]> {
    return (await this.deps.store.list()).map(view);
  }

  async get(id: string): Promise<Record<string, unknown>> {
    return view(await this.existing(id));
  }

  async create(body: unknown): Promise<Record<string, unknown>> {
    const definition = this.check(body);
    if ((await this.deps.store.get(definition.id)) !== undefined)
      throw new OutputRequestError(409, 'body.id', `output "${definition.id}" exists; PUT to replace it`);
    await this.deps.store.save(definition, 'api', this.deps.clock());
    await this.deps.onChange?.();
    return this.get(definition.id);
  }

  async replace(id: string, body: unknown): Promise<Record<string, unknown>> {
    await this.notFromConfig(id);
    const definition = this.check(withKeptSecrets({ ...(body as object), id }, await this.deps.store.get(id)));
    await this.deps.store.save(definition, 'api', this.deps.clock());
    await this.deps.onChange?.();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.notFromConfig(id);
    if (!(await this.deps.store.delete(id))) throw new OutputRequestError(404, 'params.id', `no output "${id}"`);
    await this.deps.onChange?.();
  }

  /** Renders the output for the sample context, or for `event` (an outbox event), without sending it. */
  async preview(id: string, event?: OutboxEventLike): Promise<{ request: RenderedRequest; signatureHeader?: string }> {
    const stored = await this.existing(id);
    const output = compileOutput(stored.definition, this.deps.allowed);
    const context = event === undefined ? sampleContext() : eventContext(event, id);
    let request: RenderedRequest;
    try {
      request = renderRequest(output, context, event ?? context.event);
    } catch (err) {
      throw new OutputRequestError(422, event === undefined ? undefined : 'body.event', (err as Error).message);
    }
    const secret = stored.definition.secret;
    return {
      request,
      ...(secret === undefined ? {} : { signatureHeader: signature(secret, Math.floor(this.deps.clock() / 1000), request.body ?? '') }),
    };
  }

  /** Why a run may not name output `id` for its result (no such output, disabled, not of kind `result`); undefined when it may. */
  async resultOutputProblem(id: string): Promise<string | undefined> {
    const stored = await this.deps.store.get(id);
    if (stored === undefined) return `no output "${id}"`;
    if (stored.definition.kind !== 'result') return `output "${id}" is of kind ${stored.definition.kind}, not result`;
    if (!stored.definition.enabled) return `output "${id}" is disabled`;
    return undefined;
  }

  async deliveries(id: string, options: { state?: DeliveryState; limit: number }) {
    await this.existing(id);
    return this.deps.store.deliveries(id, options);
  }

  async resend(id: string, deliveryId: string): Promise<void> {
    await this.existing(id);
    if (!(await this.deps.store.resend(id, deliveryId, this.deps.clock()))) {
      throw new OutputRequestError(404, 'params.delivery', `no failed delivery ${deliveryId} of output "${id}"`);
    }
  }

  private check(body: unknown): OutputDefinition {
    const parsed = outputDefinitionSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['body', ...issue.path.map(String)].join('.');
      throw new OutputRequestError(400, field, `${field}: ${issue.message}`);
    }
    try {
      compileOutput(parsed.data, this.deps.allowed);
    } catch (err) {
      if (err instanceof OutputDefinitionError) throw new OutputRequestError(422, `body.${err.field}`, `body.${err.message}`);
      throw err;
    }
    return parsed.data;
  }

  private async existing(id: string): Promise<StoredOutput> {
    const stored = await this.deps.store.get(id);
    if (stored === undefined) throw new OutputRequestError(404, 'params.id', `no output "${id}"`);
    return stored;
  }

  private async notFromConfig(id: string): Promise<void> {
    const stored = await this.deps.store.get(id);
    if (stored?.source === 'config')
      throw new OutputRequestError(
        409,
        'params.id',
        `output "${id}" is declared in the configuration (outputs.definitions); change it there`,
      );
  }
}

function view(stored: StoredOutput): Record<string, unknown> {
  return {
    ...maskedDefinition(stored.definition),
    source: stored.source,
    createdAt: new Date(stored.createdAt).toISOString(),
    updatedAt: new Date(stored.updatedAt).toISOString(),
  };
}

/** A listing's masked values (`***`) sent back unchanged keep what was stored, so GET then PUT loses no secret. */
function withKeptSecrets(body: Record<string, unknown>, stored: StoredOutput | undefined): Record<string, unknown> {
  if (stored === undefined) return body;
  const kept = { ...body };
  if (kept.secret === '***' && stored.definition.secret !== undefined) kept.secret = stored.definition.secret;
  if (kept.headers !== null && typeof kept.headers === 'object') {
    kept.headers = Object.fromEntries(
      Object.entries(kept.headers as Record<string, unknown>).map(([k, v]) => [
        k,
        v === '***' && stored.definition.headers[k] !== undefined ? stored.definition.headers[k] : v,
      ]),
    );
  }
  return kept;
}
