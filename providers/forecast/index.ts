export { ForecastModelExecutionProvider } from './ForecastModelExecutionProvider.js';
