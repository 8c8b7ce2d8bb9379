import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ProviderMetrics } from '../contracts/ProviderMetrics.js';
import type { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import type { BearerTokenSource } from '../credentials/BearerTokenSource.js';
import type { CredentialConfig } from '../credentials/config.js';
import type { Database } from '../persistence/Database.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';

/** Bearer tokens for the credential blocks a provider parsed (parseCredentialConfig): one cached source per block and process. */
export interface Credentials {
  tokenSource(config: CredentialConfig): BearerTokenSource;
}

/**
 * What a provider's `create` receives, by name. Everything is the process's own: one logger, clock,
 * metrics, credential cache and database for all sections. Nothing here connects until used.
 */
export interface ProviderDeps {
  /** Already labelled with the provider and the section (`{ provider: 'influx', section: 'sensor_data' }`). */
  readonly log: Logger;
  /** Epoch milliseconds; tests drive it. */
  readonly clock: Clock;
  /** The process's name (`executor-2`), e.g. for leases and ownership records. */
  readonly processName: string;
  /** Where a provider reports its backend calls; counts only when the process serves metrics. */
  readonly metrics: ProviderMetrics;
  readonly credentials: Credentials;
  /** The service's own database, opened and migrated on the first call (SQL through SqlClient). */
  database(): Promise<Database>;
  /**
   * The value stored under `key` for this provider definition in this process, made by `create` on first
   * use: how the sections of one definition share clients and caches (one socket pool for two sections)
   * without module globals. `key` says what is shared, e.g. the backend URL.
   */
  shared<T>(key: string, create: () => T): T;
  /** The configured `sensor_data` provider (a model execution provider reads its training data through it). */
  sensorData(): Promise<SensorDataProvider>;
  /** The configured `model_info` provider (e.g. a queue that pins a task's revision). */
  modelInfo(): Promise<ModelInformationProvider>;
}
