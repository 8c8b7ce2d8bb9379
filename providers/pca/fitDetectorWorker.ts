import { parentPort, workerData } from 'node:worker_threads';
import { fitDetector, type DetectorOptions } from './fitDetector.js';

// The body of the training worker (fitDetectorInWorker.ts): one fit, its parameters or its error posted back.
const { columns, options } = workerData as { columns: Float64Array[]; options: DetectorOptions };
try {
  parentPort!.postMessage({ ok: true, parameters: fitDetector(columns, options) });
} catch (err) {
  const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) };
  parentPort!.postMessage({ ok: false, error: { name, message } });
}
