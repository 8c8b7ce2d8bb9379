import type { ProviderCatalog } from '../config/AppConfig.js';

// Each backend is imported only when a configuration names it (see ProviderCatalog), so these stay
// dynamic imports: a static import here would load every client library into every process.
const embedded = () => import('../../providers/embedded/module.js');
const influx = () => import('../../providers/influx/index.js');
const eventHub = () => import('../../providers/eventhub/index.js');
const dataApi = () => import('../../providers/data-api/index.js');
const gordo = () => import('../../providers/gordo/index.js');
const kubernetes = () => import('../../providers/kubernetes/index.js');
const tilstandomatic = () => import('../../providers/tilstandomatic/index.js');

/** Every built-in provider by section and `type`. Adding a backend adds one line here. */
export const providerCatalog = {
  task_queue: {
    embedded: async () => (await embedded()).embeddedTaskQueue,
    eventhub: async () => (await eventHub()).eventHubTaskQueue,
  },
  model_info: {
    embedded: async () => (await embedded()).embeddedModelInfo,
    gordo: async () => (await gordo()).gordoModelInfo,
    kubernetes: async () => (await kubernetes()).kubernetesModelInfo,
    tilstandomatic: async () => (await tilstandomatic()).tilstandomaticModelInfo,
  },
  predictor: {
    embedded: async () => (await embedded()).embeddedPredictor,
    gordo: async () => (await gordo()).gordoPredictor,
  },
  sensor_information: {
    embedded: async () => (await embedded()).embeddedSensorInformation,
    influx: async () => (await influx()).influxSensorInformation,
    data_api: async () => (await dataApi()).dataApiSensorInformation,
    tilstandomatic: async () => (await tilstandomatic()).tilstandomaticSensorInformation,
  },
  sensor_data: {
    embedded: async () => (await embedded()).embeddedSensorData,
    influx: async () => (await influx()).influxSensorData,
    data_api: async () => (await dataApi()).dataApiSensorData,
  },
  prediction_storage: {
    embedded: async () => (await embedded()).embeddedPredictionStorage,
    influx: async () => (await influx()).influxPredictionStorage,
    data_api: async () => (await dataApi()).dataApiPredictionStorage,
  },
} satisfies ProviderCatalog;
