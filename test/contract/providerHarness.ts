import type { ProviderRole } from '../../src/contracts/ProviderRole.js';
import type { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { CredentialStore } from '../../src/credentials/createBearerTokenSource.js';
import type { Database } from '../../src/persistence/Database.js';
import type { CreatedSection, ProviderDefinition } from '../../src/provider/defineProvider.js';
import type { ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { silentLogger, type Logger } from '../../src/runtime/logger.js';

export interface ProviderHarnessOptions {
  log?: Logger;
  clock?: () => number;
  processName?: string;
  /** For sections that keep data in the service's database. */
  database?: () => Promise<Database>;
  sensorData?: () => Promise<SensorDataProvider>;
  modelInfo?: () => Promise<ModelInformationProvider>;
}

export interface ProviderHarness {
  /**
   * Parses `raw` with the section's parseConfig (path = the section name) and creates the section as a
   * process would, checking that every declared capability was returned. Sections created by one harness
   * share one `deps.shared` store, as the sections of one process do.
   */
  create<R extends ProviderRole>(role: R, raw?: Readonly<Record<string, unknown>>): Promise<CreatedSection<R>>;
}

/**
 * Creates a provider definition's sections outside a latigo process, for the conformance suites of
 * `latigo/testing`: `const queue = (await providerHarness(myProvider).create('task_queue', {...})).service`.
 */
export function providerHarness(definition: ProviderDefinition, options: ProviderHarnessOptions = {}): ProviderHarness {
  const shared = new Map<string, unknown>();
  const credentials = new CredentialStore();
  const missing = (what: string) => () => Promise.reject(new Error(`providerHarness: pass options.${what} for a section that needs it`));
  return {
    async create<R extends ProviderRole>(role: R, raw: Readonly<Record<string, unknown>> = {}): Promise<CreatedSection<R>> {
      const section = definition.sections[role];
      if (!section) throw new Error(`provider "${definition.name}" does not serve the ${role} section`);
      const deps: ProviderDeps = {
        log: options.log ?? silentLogger,
        clock: options.clock ?? Date.now,
        processName: options.processName ?? 'conformance',
        metrics: { providerCall: () => {} },
        credentials,
        database: options.database ?? missing('database'),
        shared: <T>(key: string, create: () => T): T => {
          if (!shared.has(key)) shared.set(key, create());
          return shared.get(key) as T;
        },
        sensorData: options.sensorData ?? missing('sensorData'),
        modelInfo: options.modelInfo ?? missing('modelInfo'),
      };
      const created = await section.create(section.parseConfig(raw, role), deps);
      const absent = (section.capabilities ?? []).filter((name) => created.capabilities?.[name] === undefined);
      if (absent.length > 0)
        throw new Error(`provider "${definition.name}" declares ${absent.join(', ')} for ${role} but create() did not return it`);
      return created;
    },
  };
}
