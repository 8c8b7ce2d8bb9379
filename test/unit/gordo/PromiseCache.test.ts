import { expect } from 'chai';
import { mapWithLimit } from '../../../providers/gordo/parallel.js';
import { PromiseCache } from '../../../providers/gordo/PromiseCache.js';
import { isAbortError } from '../../../src/runtime/errors.js';

describe('PromiseCache', () => {
  it('computes a key once for concurrent callers, and again after a rejection', async () => {
    const cache = new PromiseCache<number>(10);
    let calls = 0;
    const compute = async () => ++calls;
    expect(await Promise.all([cache.get('a', compute), cache.get('a', compute)])).to.deep.equal([1, 1]);
    const failing = cache.get('b', async () => {
      throw new Error('down');
    });
    await failing.catch(() => undefined);
    expect(await cache.get('b', compute)).to.equal(2);
  });

  it('keeps at most its capacity, dropping the least recently used', async () => {
    const cache = new PromiseCache<string>(2);
    let calls = 0;
    const compute = (v: string) => async () => {
      calls++;
      return v;
    };
    await cache.get('a', compute('a'));
    await cache.get('b', compute('b'));
    await cache.get('a', compute('a')); // a is now the most recent
    await cache.get('c', compute('c')); // evicts b
    await cache.get('a', compute('a'));
    await cache.get('b', compute('b'));
    expect(calls).to.equal(4);
  });

  it("stops one caller waiting when its signal fires, without cancelling the others' computation", async () => {
    const cache = new PromiseCache<string>(2);
    let release: (v: string) => void = () => {};
    const compute = () =>
      new Promise<string>((resolve) => {
        release = resolve;
      });
    const controller = new AbortController();
    const abandoned = cache.get('k', compute, controller.signal);
    const patient = cache.get('k', compute);
    controller.abort(new Error('shutting down'));
    const err = await abandoned.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(err)).to.equal(true);
    release('value');
    expect(await patient).to.equal('value');
  });
});

describe('mapWithLimit', () => {
  it('runs at most `limit` calls at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithLimit([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return n * 10;
    });
    expect(results).to.deep.equal([50, 10, 40, 20, 30]);
    expect(peak).to.equal(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const err = await mapWithLimit([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('batch 2 failed');
      return n;
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.equal('batch 2 failed');
    expect(started).to.deep.equal([1, 2]);
  });
});
