import { expect } from 'chai';
import { StallWatchdog } from '../../../providers/eventhub/StallWatchdog.js';

describe('Event Hubs StallWatchdog', () => {
  const limits = { ownershipExpirationMs: 3_000, updateIntervalMs: 500 };

  function subject() {
    const state = { reading: true, errors: 0, now: 0, reconnects: [] as number[] };
    const watchdog = new StallWatchdog(
      {
        reading: () => state.reading,
        receiveErrors: () => state.errors,
        reconnect: async (stalledMs) => {
          state.reconnects.push(stalledMs);
        },
      },
      limits,
      () => state.now,
    );
    return { state, watchdog };
  }

  it('reconnects once no partition was read since receive errors for an ownership expiry plus two loops', async () => {
    const { state, watchdog } = subject();
    await watchdog.check();
    state.reading = false;
    state.errors = 2;
    await watchdog.check(); // stalled from now
    state.now = 3_999;
    await watchdog.check();
    expect(state.reconnects).to.deep.equal([]);
    state.now = 4_000;
    await watchdog.check();
    expect(state.reconnects).to.deep.equal([4_000]);
    state.now = 9_000;
    await watchdog.check(); // no new errors since the reconnect
    expect(state.reconnects).to.have.length(1);
  });

  it('leaves an executor alone that reads no partition without errors (the others own them all)', async () => {
    const { state, watchdog } = subject();
    state.reading = false;
    for (const now of [0, 5_000, 50_000]) {
      state.now = now;
      await watchdog.check();
    }
    expect(state.reconnects).to.deep.equal([]);
  });

  it('starts over when a partition is read again before the limit', async () => {
    const { state, watchdog } = subject();
    state.reading = false;
    state.errors = 1;
    await watchdog.check();
    state.now = 3_000;
    state.reading = true;
    await watchdog.check();
    state.reading = false;
    state.errors = 2;
    state.now = 5_000;
    await watchdog.check();
    state.now = 8_999;
    await watchdog.check();
    expect(state.reconnects).to.deep.equal([]);
    state.now = 9_000;
    await watchdog.check();
    expect(state.reconnects).to.deep.equal([4_000]);
  });
});
