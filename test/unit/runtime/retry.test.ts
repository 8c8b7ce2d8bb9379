import { expect } from 'chai';
import type { RetryPolicy } from '../../../src/runtime/retry.js';
import { InsufficientDataError, NotFoundError } from '../../../src/runtime/errors.js';
import { retriesUsed, retryDelayMs, withRetry } from '../../../src/runtime/retry.js';
import { permanentError, transientError } from '../../fakes/FlakyProvider.js';
import { rejection } from '../../fixtures/rejection.js';

const policy: RetryPolicy = { initialIntervalMs: 1, backoffCoefficient: 2, maximumIntervalMs: 4, maximumAttempts: 4 };
/** With this jitter source the factor is exactly 1, so delays are the plain exponential. */
const noJitter = () => 0.5;

/** An operation failing with `errors` in turn, then returning 'ok'; records the attempt numbers it saw. */
function scripted(errors: unknown[]) {
  const attempts: number[] = [];
  const operation = async (attempt: number) => {
    attempts.push(attempt);
    if (errors.length > 0) throw errors.shift();
    return 'ok';
  };
  return { operation, attempts };
}

describe('withRetry', () => {
  it('returns the result of a first successful attempt without retrying', async () => {
    const { operation, attempts } = scripted([]);
    expect(await withRetry(operation, policy)).to.equal('ok');
    expect(attempts).to.deep.equal([1]);
  });

  it('retries retryable ProviderErrors until an attempt succeeds', async () => {
    const { operation, attempts } = scripted([transientError(), transientError()]);
    const retried: number[] = [];
    const result = await withRetry(operation, policy, { onRetry: (_err, attempt) => retried.push(attempt) });
    expect(result).to.equal('ok');
    expect(attempts).to.deep.equal([1, 2, 3]);
    expect(retried).to.deep.equal([1, 2]);
  });

  it('does not retry a non-retryable ProviderError and rejects with that same error', async () => {
    const error = permanentError();
    const { operation, attempts } = scripted([error]);
    expect(await rejection(withRetry(operation, policy))).to.equal(error);
    expect(attempts).to.deep.equal([1]);
  });

  for (const error of [new Error('bug'), new NotFoundError('no such model'), new InsufficientDataError('empty window')]) {
    it(`does not retry ${error.name} and rejects with it untouched`, async () => {
      const { operation, attempts } = scripted([error]);
      expect(await rejection(withRetry(operation, policy))).to.equal(error);
      expect(attempts).to.deep.equal([1]);
    });
  }

  it('passes a thrown non-Error value through as it was thrown', async () => {
    const { operation } = scripted(['plain string']);
    expect(await rejection(withRetry(operation, policy))).to.equal('plain string');
  });

  it('gives up after maximumAttempts and rejects with the last original error, not a wrapper', async () => {
    const errors = [transientError('1'), transientError('2'), transientError('3'), transientError('4'), transientError('5')];
    const last = errors[3];
    const { operation, attempts } = scripted(errors);
    expect(await rejection(withRetry(operation, policy))).to.equal(last);
    expect(attempts).to.deep.equal([1, 2, 3, 4]);
  });

  it('waits exponentially longer between attempts, capped at maximumIntervalMs', async () => {
    const { operation } = scripted([transientError(), transientError(), transientError(), transientError()]);
    const delays: number[] = [];
    await withRetry(
      operation,
      { ...policy, maximumAttempts: 5 },
      {
        random: noJitter,
        onRetry: (_err, _attempt, delayMs) => delays.push(delayMs),
      },
    );
    expect(delays).to.deep.equal([1, 2, 4, 4]);
  });

  it('waits at least the Retry-After the backend asked for', async () => {
    const { operation } = scripted([transientError('busy', 30)]);
    const delays: number[] = [];
    const started = Date.now();
    await withRetry(operation, policy, { random: noJitter, onRetry: (_err, _attempt, delayMs) => delays.push(delayMs) });
    expect(delays).to.deep.equal([30]);
    expect(Date.now() - started).to.be.at.least(25);
  });

  it('stops retrying when the next wait would pass the deadline, rejecting with the original error', async () => {
    const error = transientError('busy', 60_000);
    const { operation, attempts } = scripted([error]);
    const started = Date.now();
    expect(await rejection(withRetry(operation, policy, { deadlineMs: Date.now() + 1_000 }))).to.equal(error);
    expect(attempts).to.deep.equal([1]);
    expect(Date.now() - started).to.be.below(500);
  });

  it('passes an AbortError thrown by the operation through untouched, without retrying', async () => {
    const abort = new DOMException('cancelled', 'AbortError');
    const { operation, attempts } = scripted([abort]);
    expect(await rejection(withRetry(operation, policy))).to.equal(abort);
    expect(attempts).to.deep.equal([1]);
  });

  it('rejects with the signal reason when aborted while waiting to retry', async () => {
    const controller = new AbortController();
    const reason = new DOMException('shutting down', 'AbortError');
    const { operation, attempts } = scripted([transientError(), transientError()]);
    const started = Date.now();
    const outcome = rejection(
      withRetry(
        operation,
        { ...policy, initialIntervalMs: 60_000, maximumIntervalMs: 60_000 },
        {
          signal: controller.signal,
          onRetry: () => setImmediate(() => controller.abort(reason)),
        },
      ),
    );
    expect(await outcome).to.equal(reason);
    expect(attempts).to.deep.equal([1]);
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('does not call the operation when the signal has already fired', async () => {
    const controller = new AbortController();
    const reason = new DOMException('gone', 'AbortError');
    controller.abort(reason);
    const { operation, attempts } = scripted([]);
    expect(await rejection(withRetry(operation, policy, { signal: controller.signal }))).to.equal(reason);
    expect(attempts).to.deep.equal([]);
  });
});

describe('retryDelayMs', () => {
  const wide: RetryPolicy = { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 1_000, maximumAttempts: 10 };

  it('jitters the exponential delay by up to 20% either way', () => {
    expect(retryDelayMs(wide, 2, undefined, () => 0)).to.equal(160);
    expect(retryDelayMs(wide, 2, undefined, () => 0.5)).to.equal(200);
    expect(retryDelayMs(wide, 2, undefined, () => 0.999)).to.equal(240);
  });

  it('never exceeds maximumIntervalMs, jitter included', () => {
    expect(retryDelayMs(wide, 8, undefined, () => 0.999)).to.equal(1_000);
  });

  it('uses Retry-After when it is longer than the backoff, even beyond maximumIntervalMs', () => {
    expect(retryDelayMs(wide, 1, 5_000, () => 0.5)).to.equal(5_000);
    expect(retryDelayMs(wide, 3, 10, () => 0.5)).to.equal(400);
  });

  it('waits initialIntervalMs after the first failed attempt', () => {
    expect(retryDelayMs(wide, 1, undefined, () => 0.5)).to.equal(100);
  });
});

describe('withRetry layers: a retry used up inside is not retried again outside', () => {
  it('an outer withRetry does not retry an error an inner one gave up on after its retries (3, not 3 x 4, calls)', async () => {
    let calls = 0;
    const request = async () => {
      calls++;
      throw transientError('down');
    };
    const inner = () => withRetry(request, { ...policy, maximumAttempts: 3 });
    const err = await rejection(withRetry(inner, policy));
    expect(calls).to.equal(3);
    expect(retriesUsed(err)).to.equal(true);
  });

  it('an outer withRetry retries what an inner layer that does not retry (maximumAttempts 1) let through', async () => {
    let calls = 0;
    const request = async () => {
      calls++;
      throw transientError('down');
    };
    const err = await rejection(withRetry(() => withRetry(request, { ...policy, maximumAttempts: 1 }), policy));
    expect(calls).to.equal(4);
    expect(retriesUsed(err)).to.equal(true);
  });

  it('does not mark errors it did not retry: permanent ones, and those of a policy without retries', async () => {
    const permanent = permanentError();
    expect(
      retriesUsed(
        await rejection(
          withRetry(async () => {
            throw permanent;
          }, policy),
        ),
      ),
    ).to.equal(false);
    expect(
      retriesUsed(
        await rejection(
          withRetry(
            async () => {
              throw transientError();
            },
            { ...policy, maximumAttempts: 1 },
          ),
        ),
      ),
    ).to.equal(false);
  });
});
