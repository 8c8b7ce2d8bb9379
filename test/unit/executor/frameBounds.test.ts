import { expect } from 'chai';
import { timeRange } from '../../../src/domain/TimeRange.js';
import { compressor, deliver, harness, task } from './harness.js';

// Issue 14: a 1970-2100 window ran 80 s against a 4 s timeout and reached 3.3 GB in each executor (the
// dense resample grid over the whole range). Such a task now fails for good before any data is read.

describe('Executor: frame bounds (executor.max_window_rows, executor.max_model_tags)', () => {
  it('dead-letters a 1970-2100 window as permanent before reading any data, naming the key', async () => {
    const h = harness({ config: { taskTimeoutMs: 200 } });
    const huge = timeRange(Date.UTC(1970, 0, 1), Date.UTC(2100, 0, 1));
    expect(await h.executor.processMessage(await deliver(h.queue, task('compressor-1', huge)))).to.equal('dead');
    // Nothing read or allocated: the refusal comes before the sensor data call, whatever the machine's load.
    expect(h.sensors.calls, 'no data read').to.be.empty;
    expect(h.queue.deadLettered[0]?.reason).to.match(
      /permanent: window of plant\/compressor-1 spans 410,244,480 rows .*executor\.max_window_rows allows 100,000/,
    );
    expect(h.ledger.get(task('compressor-1', huge).id)?.state).to.equal('dead');
  });

  it('counts the padding rows into the window, and runs a window exactly at the limit', async () => {
    const atLimit = harness({ config: { maxWindowRows: 180 } });
    expect(await atLimit.executor.processMessage(await deliver(atLimit.queue))).to.equal('succeeded');
    const padded = harness({ config: { maxWindowRows: 180, paddingRows: 1 } });
    expect(await padded.executor.processMessage(await deliver(padded.queue))).to.equal('dead');
    expect(padded.queue.deadLettered[0]?.reason).to.match(/spans 181 rows/);
  });

  it('dead-letters the tasks of a model with more input tags than executor.max_model_tags', async () => {
    const wide = compressor('compressor-1', 'r1', { inputTags: Array.from({ length: 501 }, (_, i) => ({ name: `t${i}`, asset: 'a' })) });
    const h = harness({ catalog: [wide], config: { maxModelTags: 500 } });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('dead');
    expect(h.queue.deadLettered[0]?.reason).to.match(/model plant\/compressor-1 has 501 input tags; executor\.max_model_tags allows 500/);
    expect(h.sensors.calls).to.be.empty;
  });
});
