import { expect } from 'chai';
import type { ExecutorObserver, ProviderCallFinished, TaskFinished } from '../../../src/executor/ExecutorObserver.js';
import { InsufficientDataError } from '../../../src/runtime/errors.js';
import { failAlways, flaky, transientError } from '../../fakes/FlakyProvider.js';
import { InMemorySensorData } from '../../fakes/InMemorySensorData.js';
import { deliver, deliverRaw, harness, WINDOW } from './harness.js';

/** Records what the executor reports, as the metrics do. */
class RecordingObserver implements ExecutorObserver {
  readonly tasks: TaskFinished[] = [];
  readonly calls: ProviderCallFinished[] = [];
  taskFinished(event: TaskFinished): void {
    this.tasks.push(event);
  }
  providerCall(event: ProviderCallFinished): void {
    this.calls.push(event);
  }
}

const callNames = (observer: RecordingObserver) =>
  observer.calls.map((c) => `${c.provider}.${c.operation}${c.errorClass ? ` ${c.errorClass}` : ''}`);

describe('Executor: what it reports to its observer', () => {
  it('reports a stored task with its window end, and one call to each provider in order', async () => {
    const observer = new RecordingObserver();
    const h = harness({ observer });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
    expect(observer.tasks).to.have.length(1);
    expect(observer.tasks[0]).to.deep.include({
      outcome: 'succeeded',
      errorClass: undefined,
      task: { project: 'plant', model: 'compressor-1', windowEndMs: WINDOW.toMs },
    });
    expect(observer.tasks[0]!.durationMs).to.be.at.least(0);
    expect(callNames(observer)).to.deep.equal([
      'model_info.describeModel',
      'sensor_data.getData',
      'predictor.execute',
      'prediction_storage.store',
    ]);
  });

  it('reports every attempt of a retried call, the failed ones with their error class', async () => {
    const observer = new RecordingObserver();
    const sensors = flaky(new InMemorySensorData(), 'getData', [transientError(), transientError()]);
    const h = harness({ observer, sensorData: sensors.provider });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
    expect(callNames(observer).filter((c) => c.startsWith('sensor_data'))).to.deep.equal([
      'sensor_data.getData transient',
      'sensor_data.getData transient',
      'sensor_data.getData',
    ]);
  });

  it('reports the error class recorded on the window for failed and insufficient-data tasks', async () => {
    const observer = new RecordingObserver();
    const h = harness({ observer, sensorData: failAlways(new InMemorySensorData(), 'getData', () => transientError()).provider });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('failed');
    const sparse = harness({
      observer,
      sensorData: failAlways(new InMemorySensorData(), 'getData', () => new InsufficientDataError('no rows')).provider,
    });
    expect(await sparse.executor.processMessage(await deliver(sparse.queue))).to.equal('insufficient_data');
    expect(observer.tasks.map((t) => [t.outcome, t.errorClass])).to.deep.equal([
      ['failed', 'transient'],
      ['insufficient_data', 'insufficient_data'],
    ]);
  });

  it('reports a malformed message as permanent, without a task', async () => {
    const observer = new RecordingObserver();
    const h = harness({ observer });
    expect(await h.executor.processMessage(await deliverRaw(h.queue, 'not json'))).to.equal('malformed');
    expect(observer.tasks).to.deep.equal([{ outcome: 'malformed', errorClass: 'permanent', durationMs: 0 }]);
    expect(observer.calls).to.deep.equal([]);
  });
});
