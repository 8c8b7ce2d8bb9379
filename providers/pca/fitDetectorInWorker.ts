import { Worker } from 'node:worker_threads';
import { InvalidDataError } from '../../src/runtime/errors.js';
import { fitDetector, type DetectorOptions } from './fitDetector.js';
import type { PcaParameters } from './PcaParameters.js';

// Built, the worker is the sibling .js file. Run from source (tsx: tests, `npm run dev`), a worker does not
// inherit tsx's loader, so a small script registers it first and then loads the .ts sibling.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = FROM_SOURCE
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(new URL('./fitDetectorWorker.ts', import.meta.url).href)}); });`
  : new URL('./fitDetectorWorker.js', import.meta.url);

type WorkerAnswer = { ok: true; parameters: PcaParameters } | { ok: false; error: { name: string; message: string } };

/**
 * fitDetector on a worker thread: a first-use training of a wide model takes seconds of CPU (49 s for 500
 * tags, issue 14), and on the event loop it froze every task of the executor, their deadlines included, so
 * leases expired and another executor ran the same windows. Off the loop, the tasks waiting for the model
 * time out on schedule and are retried later, while the training finishes for the next ones. The columns
 * are copied to the worker; its errors come back with their name (InvalidDataError stays permanent).
 */
export function fitDetectorInWorker(columns: readonly Float64Array[], options: DetectorOptions): Promise<PcaParameters> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, { workerData: { columns, options }, eval: FROM_SOURCE });
    } catch {
      // No worker here (e.g. a bundler without the worker file): train on the loop, as before.
      resolve(fitDetector(columns, options));
      return;
    }
    let answered = false;
    worker.once('message', (answer: WorkerAnswer) => {
      answered = true;
      if (answer.ok) resolve(answer.parameters);
      else reject(answer.error.name === 'InvalidDataError' ? new InvalidDataError(answer.error.message) : new Error(answer.error.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the training worker exited with code ${code} before answering`));
    });
  });
}

/**
 * Training cells (rows x tags) from which a fit goes to a worker: below, the fit takes well under a second
 * and a worker's start (tens of milliseconds built, seconds under tsx) would cost more than it frees.
 */
export const WORKER_MIN_CELLS = 1_000_000;

/** fitDetector on a worker for a large training set, on the loop for a small one. */
export async function fitDetectorOffLoop(columns: readonly Float64Array[], options: DetectorOptions): Promise<PcaParameters> {
  const cells = columns.length * (columns[0]?.length ?? 0);
  return cells >= WORKER_MIN_CELLS ? fitDetectorInWorker(columns, options) : fitDetector(columns, options);
}
