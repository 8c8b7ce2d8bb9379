import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelKindRouter } from '../executor/ModelKindRouter.js';
import type { Logger } from '../runtime/logger.js';

/**
 * The execution provider of each model kind: `pca_anomaly` is the configured `predictor` section (the
 * embedded PCA model or Gordo); the others are built in and need no configuration. Loaded lazily like
 * every provider (see registry.ts).
 */
export async function routeByModelKind(predictor: ModelExecutionProvider, log: Logger): Promise<ModelExecutionProvider> {
  const [{ ForecastModelExecutionProvider }, { ThresholdModelExecutionProvider }] = await Promise.all([
    import('../../providers/forecast/index.js'),
    import('../../providers/threshold/index.js'),
  ]);
  const forecast = new ForecastModelExecutionProvider(log.child({ component: 'forecast' }));
  return new ModelKindRouter({
    pca_anomaly: predictor,
    forecast,
    forecast_anomaly: forecast,
    threshold: new ThresholdModelExecutionProvider(),
  });
}
