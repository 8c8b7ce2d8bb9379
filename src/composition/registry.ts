import {
  embeddedModelInfo, embeddedPredictionStorage, embeddedPredictor, embeddedSensorData, embeddedSensorInformation, embeddedTaskQueue,
} from '../../providers/embedded/module.js';
import type { ProviderCatalog } from '../config/AppConfig.js';

/** Every built-in provider by section and `type`. Adding a backend adds one line here. */
export const providerCatalog = {
  task_queue: { embedded: embeddedTaskQueue },
  model_info: { embedded: embeddedModelInfo },
  predictor: { embedded: embeddedPredictor },
  sensor_information: { embedded: embeddedSensorInformation },
  sensor_data: { embedded: embeddedSensorData },
  prediction_storage: { embedded: embeddedPredictionStorage },
} satisfies ProviderCatalog;
