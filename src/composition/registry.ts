import type { ProviderCatalog } from '../config/AppConfig.js';

// Each backend is imported only when a configuration names it (see ProviderCatalog), so these stay
// dynamic imports: a static import here would load every client library into every process.
const embedded = async () => (await import('../../providers/embedded/module.js')).embeddedProvider;
// `type: embedded` names these two for task_queue and predictor, as before they were packages of their own.
const databaseQueue = async () => (await import('../../providers/database-queue/index.js')).databaseQueueProvider;
const pca = async () => (await import('../../providers/pca/index.js')).pcaProvider;
const influx = async () => (await import('../../providers/influx/index.js')).influxProvider;
const eventHub = async () => (await import('../../providers/eventhub/index.js')).eventHubProvider;
const dataApi = async () => (await import('../../providers/data-api/index.js')).dataApiProvider;
const gordo = async () => (await import('../../providers/gordo/index.js')).gordoProvider;
const kubernetes = async () => (await import('../../providers/kubernetes/index.js')).kubernetesProvider;
const tilstandomatic = async () => (await import('../../providers/tilstandomatic/index.js')).tilstandomaticProvider;

/** Every built-in provider definition by section and `type`. Adding a backend adds its sections here. */
export const providerCatalog = {
  task_queue: { embedded: databaseQueue, eventhub: eventHub },
  model_info: { embedded, gordo, kubernetes, tilstandomatic },
  predictor: { embedded: pca, gordo },
  sensor_information: { embedded, influx, data_api: dataApi, tilstandomatic },
  sensor_data: { embedded, influx, data_api: dataApi },
  prediction_storage: { embedded, influx, data_api: dataApi },
} satisfies ProviderCatalog;
