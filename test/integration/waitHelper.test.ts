import { expect } from 'chai';
import { waitFor } from './helpers/wait.js';

// The shared wait of the integration tests (issue 14): slowness never fails it, a stall does, with progress reported.
describe('waitFor with progress', () => {
  it('keeps waiting while the work advances, past what a fixed budget would have allowed', async () => {
    let done = 0;
    const timer = setInterval(() => {
      done++;
    }, 20);
    try {
      await waitFor(() => done >= 15, { intervalMs: 5, progress: { done: () => done, total: 15, stallMs: 200 }, describe: () => 'work' });
    } finally {
      clearInterval(timer);
    }
    expect(done).to.be.at.least(15); // took ~300 ms, longer than the 200 ms stall limit
  });

  it('fails when progress stops, saying how far it got', async () => {
    let done = 0;
    const timer = setInterval(() => {
      if (done < 3) done++;
    }, 10);
    try {
      await waitFor(() => done >= 5_000, {
        intervalMs: 5,
        progress: { done: () => done, total: 5_000, stallMs: 150 },
        describe: () => 'the drain',
      });
      expect.fail('the wait succeeded');
    } catch (err) {
      expect((err as Error).message).to.match(/^stalled: 3 of 5,000 done and no progress for \d+ s .* waiting for the drain$/);
    } finally {
      clearInterval(timer);
    }
  });

  it('reports progress when the runaway cap ends a wait that was still advancing', async () => {
    let done = 0;
    const timer = setInterval(() => {
      done++;
    }, 5);
    try {
      await waitFor(() => false, {
        intervalMs: 5,
        timeoutMs: 100,
        progress: { done: () => done, total: 5_000, stallMs: 10_000 },
        describe: () => 'x',
      });
      expect.fail('the wait succeeded');
    } catch (err) {
      expect((err as Error).message).to.match(/^timed out after 100 ms \([\d,]+ of 5,000 done, still advancing\) waiting for x$/);
    } finally {
      clearInterval(timer);
    }
  });
});
