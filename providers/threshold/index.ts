export { ThresholdModelExecutionProvider } from './ThresholdModelExecutionProvider.js';
