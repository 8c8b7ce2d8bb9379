import { expect } from 'chai';
import { LatigoMetrics } from '../../../src/observability/LatigoMetrics.js';
import { parsePrometheus, samplesOf, sumOf } from '../../integration/helpers/prometheus.js';

const providerTypes = {
  model_info: 'embedded',
  sensor_data: 'influx',
  predictor: 'embedded',
  prediction_storage: 'embedded',
  task_queue: 'eventhub',
};

async function scrape(metrics: LatigoMetrics) {
  return parsePrometheus((await metrics.expose()).body);
}

describe('LatigoMetrics', () => {
  it('counts tasks by outcome and error class, with a latency histogram per outcome', async () => {
    const metrics = new LatigoMetrics({ role: 'executor', providerTypes });
    metrics.taskFinished({ outcome: 'succeeded', durationMs: 20, task: { project: 'p', model: 'm', windowEndMs: 600_000 } });
    metrics.taskFinished({
      outcome: 'failed',
      errorClass: 'transient',
      durationMs: 3_000,
      task: { project: 'p', model: 'm', windowEndMs: 1_200_000 },
    });
    metrics.taskFinished({ outcome: 'malformed', errorClass: 'permanent', durationMs: 0 });
    const samples = await scrape(metrics);
    expect(sumOf(samples, 'latigo_tasks_total', { outcome: 'succeeded', error_class: 'none', role: 'executor' })).to.equal(1);
    expect(sumOf(samples, 'latigo_tasks_total', { outcome: 'failed', error_class: 'transient' })).to.equal(1);
    expect(sumOf(samples, 'latigo_tasks_total', { outcome: 'malformed', error_class: 'permanent' })).to.equal(1);
    expect(sumOf(samples, 'latigo_task_duration_seconds_sum', { outcome: 'failed' })).to.equal(3);
    expect(sumOf(samples, 'latigo_task_duration_seconds_bucket', { outcome: 'succeeded', le: '0.025' })).to.equal(1);
    expect(sumOf(samples, 'latigo_task_duration_seconds_bucket', { outcome: 'succeeded', le: '0.01' })).to.equal(0);
  });

  it("moves a model's freshness forward only, and only on stored windows", async () => {
    const metrics = new LatigoMetrics({ role: 'executor', providerTypes });
    const task = (windowEndMs: number) => ({ project: 'plant', model: 'pump', windowEndMs });
    metrics.taskFinished({ outcome: 'succeeded', durationMs: 1, task: task(2_000_000) });
    metrics.taskFinished({ outcome: 'succeeded', durationMs: 1, task: task(1_000_000) }); // a catch-up window finishing late
    metrics.taskFinished({ outcome: 'insufficient_data', errorClass: 'insufficient_data', durationMs: 1, task: task(9_000_000) });
    const samples = samplesOf(await scrape(metrics), 'latigo_model_newest_window_end_seconds');
    expect(samples.map((s) => [s.labels.project, s.labels.model, s.value])).to.deep.equal([['plant', 'pump', 2_000]]);
  });

  it('times provider calls per section and type, and counts failed ones by error class', async () => {
    const metrics = new LatigoMetrics({ role: 'executor', providerTypes });
    metrics.providerCall({ provider: 'sensor_data', operation: 'getData', durationMs: 40 });
    metrics.providerCall({ provider: 'sensor_data', operation: 'getData', durationMs: 900, errorClass: 'transient' });
    metrics.providerCall({ provider: 'task_queue', operation: 'receive', durationMs: 5, errorClass: 'transient' });
    const samples = await scrape(metrics);
    const getData = { provider: 'sensor_data', type: 'influx', operation: 'getData' };
    expect(sumOf(samples, 'latigo_provider_call_duration_seconds_count', getData)).to.equal(2);
    expect(sumOf(samples, 'latigo_provider_errors_total', { ...getData, error_class: 'transient' })).to.equal(1);
    expect(sumOf(samples, 'latigo_provider_errors_total', { provider: 'task_queue', type: 'eventhub', operation: 'receive' })).to.equal(1);
  });

  it('reports scheduler passes: windows queued live and caught up, the last tick, failed passes', async () => {
    const metrics = new LatigoMetrics({ role: 'scheduler', providerTypes });
    metrics.passFinished({
      tickMs: 1_800_000,
      models: 3,
      windowsQueued: 9,
      catchUpWindows: 6,
      duplicatesSkipped: 2,
      resent: 0,
      listingFailures: 0,
      durationMs: 40,
    });
    metrics.passFailed();
    const samples = await scrape(metrics);
    expect(sumOf(samples, 'latigo_scheduler_windows_queued_total', { origin: 'live' })).to.equal(3);
    expect(sumOf(samples, 'latigo_scheduler_windows_queued_total', { origin: 'catch_up' })).to.equal(6);
    expect(sumOf(samples, 'latigo_scheduler_duplicate_windows_total')).to.equal(2);
    expect(sumOf(samples, 'latigo_scheduler_last_tick_seconds')).to.equal(1_800);
    expect(sumOf(samples, 'latigo_scheduler_models')).to.equal(3);
    expect(sumOf(samples, 'latigo_scheduler_passes_total', { result: 'ok' })).to.equal(1);
    expect(sumOf(samples, 'latigo_scheduler_passes_total', { result: 'failed' })).to.equal(1);
  });

  it("keeps each instance's metrics in its own registry", async () => {
    const a = new LatigoMetrics({ role: 'executor', providerTypes });
    const b = new LatigoMetrics({ role: 'executor', providerTypes });
    a.taskFinished({ outcome: 'succeeded', durationMs: 1 });
    expect(sumOf(await scrape(a), 'latigo_tasks_total', { outcome: 'succeeded' })).to.equal(1);
    expect(sumOf(await scrape(b), 'latigo_tasks_total', { outcome: 'succeeded' })).to.equal(0);
  });
});
