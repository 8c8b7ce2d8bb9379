import { defineProvider } from '../../src/provider/defineProvider.js';
import { createPcaTables } from './migrations.js';
import { parseEmbeddedPredictorConfig } from './config.js';
import { PcaModelExecutionProvider } from './PcaModelExecutionProvider.js';

/** The local PCA anomaly model (`predictor: { type: embedded }`): trains and scores in process, keeps its fitted revisions in the service's database. */
export const pcaProvider = defineProvider({
  name: 'pca',
  migrations: [createPcaTables],
  sections: {
    predictor: {
      parseConfig: parseEmbeddedPredictorConfig,
      // Training reads the training range through whichever SensorDataProvider is configured.
      async create(config, deps) {
        return {
          service: new PcaModelExecutionProvider(await deps.database(), await deps.sensorData(), config, deps.log, { clock: deps.clock }),
        };
      },
    },
  },
});
export default pcaProvider;
