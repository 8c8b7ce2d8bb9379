import { expect } from 'chai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fitDetector, type DetectorOptions } from '../../../providers/pca/fitDetector.js';
import { fitDetectorInWorker, fitDetectorOffLoop, WORKER_MIN_CELLS } from '../../../providers/pca/fitDetectorInWorker.js';
import { ar1Process } from './ar1Process.js';

// Issue 14: a first-use training of a 500-tag model ran 49 s on the event loop, past its 20 s deadline,
// freezing every task of the executor. Training now runs on a worker thread.

describe('fitDetectorInWorker', function () {
  this.timeout(60_000);
  const training = ar1Process(5_000, 7);
  const options: DetectorOptions = {
    explainedVariance: 0.8,
    confidence: 0.99,
    lags: 1,
    statistic: 'both',
    limitMethod: 'empirical',
    smoothing: { method: 'mean', rows: 1 },
  };

  it('fits off the event loop: the loop turns before the fit is done, and the parameters equal a fit on the loop', async () => {
    let done = false;
    const fitting = fitDetectorInWorker(training, options).then((p) => {
      done = true;
      return p;
    });
    // A fit on the loop would have finished (and settled) before the loop's next turn.
    await nextTurn();
    expect(done, 'settled within one turn of the loop').to.equal(false);
    expect(await fitting).to.deep.equal(fitDetector(training, options));
  });

  it('rejects with the fit error, keeping InvalidDataError permanent', async () => {
    const single = [training[0]!];
    const err = await fitDetectorInWorker(single, { ...options, lags: 0, statistic: 'q' }).then(
      () => expect.fail('expected a rejection'),
      (e: Error) => e,
    );
    expect(err.name).to.equal('InvalidDataError');
    expect(err.message).to.match(/statistic q needs a residual space/);
  });

  it('keeps a small training set on the loop, where a worker would cost more than the fit', async () => {
    expect(training.length * training[0]!.length).to.be.below(WORKER_MIN_CELLS);
    let done = false;
    const fitting = fitDetectorOffLoop(training, options).then(() => (done = true));
    await nextTurn();
    expect(done).to.equal(true);
    await fitting;
  });
});
