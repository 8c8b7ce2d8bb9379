/**
 * The demo plant is embedded-only tooling that the CLI drives. Like every other provider code it
 * reaches the rest of the program through the composition root, which alone imports providers/.
 */
export {
  seedDemo, evaluateDetections, formatDetectionSummary, DemoFeed,
  type DemoModelSink, type DemoSensorSink, type SeedDemoResult, type DetectionSummary,
} from '../../providers/embedded/demo/index.js';
