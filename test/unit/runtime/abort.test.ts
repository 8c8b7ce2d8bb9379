import { expect } from 'chai';
import { abandonOnAbort, timeoutSignal } from '../../../src/runtime/abort.js';
import { isAbortError } from '../../../src/runtime/errors.js';
import { rejection } from '../../fixtures/rejection.js';

describe('abandonOnAbort', () => {
  it('passes the value or error through while the signal is quiet', async () => {
    const controller = new AbortController();
    expect(await abandonOnAbort(Promise.resolve(7), controller.signal)).to.equal(7);
    const error = new Error('boom');
    expect(await rejection(abandonOnAbort(Promise.reject(error), controller.signal))).to.equal(error);
    expect(await abandonOnAbort(Promise.resolve(8), undefined)).to.equal(8);
  });

  it('rejects with an AbortError carrying the reason as soon as the signal fires, leaving the promise pending', async () => {
    const controller = new AbortController();
    let settle!: (v: number) => void;
    const never = new Promise<number>((resolve) => {
      settle = resolve;
    });
    const outcome = rejection(abandonOnAbort(never, controller.signal));
    const reason = new DOMException('late', 'TimeoutError');
    controller.abort(reason);
    const err = (await outcome) as Error;
    expect(isAbortError(err)).to.equal(true);
    expect(err.cause).to.equal(reason);
    settle(1);
  });

  it('rejects at once on a fired signal and absorbs the abandoned rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const err = await rejection(abandonOnAbort(Promise.reject(new Error('ignored')), AbortSignal.abort()));
      expect(isAbortError(err)).to.equal(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('timeoutSignal', () => {
  it('fires with a TimeoutError of its own message when the time is up, and says so', async () => {
    const t = timeoutSignal(undefined, 5, 'no answer within 5 ms');
    await new Promise((resolve) => t.signal.addEventListener('abort', resolve, { once: true }));
    expect(t.timedOut()).to.equal(true);
    expect((t.signal.reason as DOMException).name).to.equal('TimeoutError');
    expect((t.signal.reason as DOMException).message).to.equal('no answer within 5 ms');
    t.dispose();
  });

  it("fires with the parent's reason, and detaches from the parent on dispose", () => {
    const parent = new AbortController();
    const first = timeoutSignal(parent.signal, 60_000, 'x');
    const second = timeoutSignal(parent.signal, 60_000, 'x');
    second.dispose();
    parent.abort('stop');
    expect(first.signal.reason).to.equal('stop');
    expect(first.timedOut()).to.equal(false);
    expect(second.signal.aborted).to.equal(false);
    first.dispose();
  });
});
