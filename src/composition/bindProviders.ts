import type { Container, ServiceIdentifier } from 'inversify';
import { HealthCheck } from '../contracts/HealthCheck.js';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { ModelWriter } from '../contracts/ModelWriter.js';
import { PredictionReader } from '../contracts/PredictionReader.js';
import { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import { ProviderMetrics } from '../contracts/ProviderMetrics.js';
import type { ProviderRole } from '../contracts/ProviderRole.js';
import { QueueInspector } from '../contracts/QueueInspector.js';
import { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import { SensorInformationProvider } from '../contracts/SensorInformationProvider.js';
import { SensorWriter } from '../contracts/SensorWriter.js';
import { TaskQueue } from '../contracts/TaskQueue.js';
import type { CredentialStore } from '../credentials/createBearerTokenSource.js';
import { Database } from '../persistence/Database.js';
import type { Capabilities, CapabilityName, CreatedSection, ProviderDefinition, SectionServices } from '../provider/defineProvider.js';
import type { ProviderDeps } from '../provider/ProviderDeps.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import { bindNamed } from './bindNamed.js';
import { routeByModelKind } from './modelKindProviders.js';

/** The token each section's service is bound under. */
export const sectionTokens: { readonly [R in ProviderRole]: ServiceIdentifier<SectionServices[R]> } = {
  task_queue: TaskQueue,
  model_info: ModelInformationProvider,
  predictor: ModelExecutionProvider,
  sensor_information: SensorInformationProvider,
  sensor_data: SensorDataProvider,
  prediction_storage: PredictionStorageProvider,
};

/** The token each capability is looked up by. */
export const capabilityTokens: { readonly [K in CapabilityName]: ServiceIdentifier<Capabilities[K]> } = {
  queueInspector: QueueInspector,
  predictionReader: PredictionReader,
  sensorWriter: SensorWriter,
  modelWriter: ModelWriter,
  healthCheck: HealthCheck,
};

export interface ProcessServices {
  readonly log: Logger;
  readonly clock: Clock;
  readonly processName: string;
  readonly credentials: CredentialStore;
}

/**
 * Binds the sections of one process role from their provider definitions. Each section's `create` runs
 * once, on first lookup; its service is bound under the section's token and each declared capability
 * under the capability's token (a capability two sections declare is bound from the first: health checks
 * are bound from every section, as `/readyz` runs them all). Sections of one definition share one
 * `deps.shared` store per process.
 */
export function bindProviderSections(
  container: Container,
  sections: readonly { role: ProviderRole; definition: ProviderDefinition; config: unknown }[],
  process: ProcessServices,
): void {
  const sharedByDefinition = new Map<ProviderDefinition, Map<string, unknown>>();
  for (const { role, definition, config } of sections) {
    const section = definition.sections[role];
    if (!section) throw new Error(`provider "${definition.name}" does not serve the ${role} section`);
    let shared = sharedByDefinition.get(definition);
    if (!shared) sharedByDefinition.set(definition, (shared = new Map<string, unknown>()));
    const store = shared;
    const deps: ProviderDeps = {
      log: process.log.child({ provider: definition.name, section: role }),
      clock: process.clock,
      processName: process.processName,
      metrics: container.get(ProviderMetrics),
      credentials: process.credentials,
      database: () => container.getAsync(Database),
      shared: <T>(key: string, create: () => T): T => {
        if (!store.has(key)) store.set(key, create());
        return store.get(key) as T;
      },
      sensorData: () => container.getAsync(SensorDataProvider),
      modelInfo: () => container.getAsync(ModelInformationProvider),
    };
    const created: ServiceIdentifier<CreatedSection<typeof role>> = Symbol(`latigo.section.${role}`);
    bindNamed(container, created, {}, async () => {
      const result = await section.create(config, deps);
      const missing = (section.capabilities ?? []).filter((name) => result.capabilities?.[name] === undefined);
      if (missing.length > 0) {
        throw new Error(
          `provider "${definition.name}" declares ${missing.join(', ')} for ${role} but its create() did not return ${missing.length > 1 ? 'them' : 'it'}`,
        );
      }
      return result;
    });
    bindService(container, role, created, process.log);
    for (const name of section.capabilities ?? []) {
      if (name !== 'healthCheck' && container.isBound(capabilityTokens[name])) continue;
      bindCapability(container, name, created);
    }
  }
}

function bindService<R extends ProviderRole>(
  container: Container,
  role: R,
  created: ServiceIdentifier<CreatedSection<R>>,
  log: Logger,
): void {
  const token: ServiceIdentifier<SectionServices[R]> = sectionTokens[role];
  bindNamed(container, token, { section: created }, ({ section }) =>
    // The predictor section serves the pca_anomaly kind; the router adds the built-in kinds beside it.
    role === 'predictor'
      ? (routeByModelKind(section.service as ModelExecutionProvider, log) as Promise<SectionServices[R]>)
      : section.service,
  );
}

function bindCapability<K extends CapabilityName>(
  container: Container,
  name: K,
  created: ServiceIdentifier<CreatedSection<ProviderRole>>,
): void {
  bindNamed(container, capabilityTokens[name], { section: created }, ({ section }) => section.capabilities![name]!);
}
