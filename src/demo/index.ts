/** The demo plant: generation, seeding, the live feed and the evaluation of detections against its faults. */
export type { DemoConfig } from './DemoConfig.js';
export { generateDemoPlant, demoSeries, type DemoPlant } from './generateDemoPlant.js';
export {
  demoPlantLayout,
  demoModelName,
  assetOfDemoModel,
  type DemoAsset,
  type DemoPlantLayout,
  type DemoTagModel,
} from './plantLayout.js';
export { assetSeries, type AssetSeries } from './assetSeries.js';
export { FAULT_KINDS, planFaults, type DemoFault, type FaultKind } from './faults.js';
export {
  seedDemo,
  isDemoSeeded,
  type SeedDemoOptions,
  type SeedDemoResult,
  type SeedProgress,
  type DemoSensorSink,
  type DemoModelSink,
  type DemoModelDefinition,
} from './seedDemo.js';
export {
  evaluateDetections,
  DEFAULT_GRACE_MS,
  DEFAULT_MIN_RUN,
  type DetectionSummary,
  type EvaluateDetectionsOptions,
} from './evaluateDetections.js';
export { scoreDetections, type ScoreOptions, type DetectionScore, type FaultInterval, type AssetAnomalies } from './scoreDetections.js';
export { formatDetectionSummary } from './formatDetectionSummary.js';
export { DemoFeed, liveSeries, type DemoFeedOptions } from './DemoFeed.js';
