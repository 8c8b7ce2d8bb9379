import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExecutorObserver, ProviderCallFinished, TaskFinished } from '../executor/ExecutorObserver.js';
import type { SchedulePassSummary } from '../scheduler/Scheduler.js';
import type { SchedulerObserver } from '../scheduler/SchedulerObserver.js';

export interface LatigoMetricsOptions {
  /** The process role, a label on every series (`scheduler`, `executor`). */
  readonly role: string;
  /** The configured `type` of each provider section (`sensor_data: influx`), a label on provider series. */
  readonly providerTypes: Readonly<Record<string, string>>;
}

/** Seconds; tasks take milliseconds (embedded) to tens of seconds (a slow historian). */
const TASK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PASS_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120];

/** The label value for "no error", so every series of a counter has the same labels. */
const NO_ERROR = 'none';

/**
 * The Prometheus metrics of one latigo process, in a registry of its own (never prom-client's global one,
 * so tests and embedders can hold several). It is the executor's and the scheduler's observer: they report
 * events, this counts them. Names follow Prometheus conventions: `_total` counters, `_seconds` units.
 * Secrets never reach a label (invariant 8): labels are outcomes, error classes, section names, provider
 * types, and project and model names.
 */
export class LatigoMetrics implements ExecutorObserver, SchedulerObserver {
  readonly registry = new Registry();
  private readonly providerTypes: Readonly<Record<string, string>>;
  private readonly tasks: Counter<'outcome' | 'error_class'>;
  private readonly taskDuration: Histogram<'outcome'>;
  private readonly providerCalls: Histogram<'provider' | 'type' | 'operation'>;
  private readonly providerErrors: Counter<'provider' | 'type' | 'operation' | 'error_class'>;
  private readonly newestWindowEnd: Gauge<'project' | 'model'>;
  private readonly newestWindowEndMs = new Map<string, number>();
  private readonly passes: Counter<'result'>;
  private readonly windowsQueued: Counter<'origin'>;
  private readonly duplicatesSkipped: Counter;
  private readonly passDuration: Histogram;
  private readonly lastTick: Gauge;
  private readonly modelsListed: Gauge;
  private processMetrics = false;

  constructor(options: LatigoMetricsOptions) {
    this.providerTypes = options.providerTypes;
    this.registry.setDefaultLabels({ role: options.role });
    const registers = [this.registry];
    this.tasks = new Counter({
      name: 'latigo_tasks_total',
      help: 'Task messages handled by this executor, by outcome and error class.',
      labelNames: ['outcome', 'error_class'],
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'latigo_task_duration_seconds',
      help: 'Time from a task message received to settled (stored, recorded, acknowledged).',
      labelNames: ['outcome'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.providerCalls = new Histogram({
      name: 'latigo_provider_call_duration_seconds',
      help: 'Duration of each provider call attempt, failed ones included.',
      labelNames: ['provider', 'type', 'operation'],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.providerErrors = new Counter({
      name: 'latigo_provider_errors_total',
      help: 'Failed provider call attempts, by error class (transient ones are retried).',
      labelNames: ['provider', 'type', 'operation', 'error_class'],
      registers,
    });
    this.newestWindowEnd = new Gauge({
      name: 'latigo_model_newest_window_end_seconds',
      help: 'Per model: end (epoch seconds) of the newest window whose predictions this process stored. Freshness is time() minus this.',
      labelNames: ['project', 'model'],
      registers,
    });
    this.passes = new Counter({
      name: 'latigo_scheduler_passes_total',
      help: 'Scheduler passes, by result.',
      labelNames: ['result'],
      registers,
    });
    this.windowsQueued = new Counter({
      name: 'latigo_scheduler_windows_queued_total',
      help: 'Windows new to the ledger and sent, live (newest tick) or catch-up.',
      labelNames: ['origin'],
      registers,
    });
    this.duplicatesSkipped = new Counter({
      name: 'latigo_scheduler_duplicate_windows_total',
      help: 'Planned windows the ledger already had, so not sent again.',
      registers,
    });
    this.passDuration = new Histogram({
      name: 'latigo_scheduler_pass_duration_seconds',
      help: 'Duration of a scheduler pass.',
      buckets: PASS_BUCKETS,
      registers,
    });
    this.lastTick = new Gauge({
      name: 'latigo_scheduler_last_tick_seconds',
      help: 'The newest tick the scheduler handled (epoch seconds).',
      registers,
    });
    this.modelsListed = new Gauge({ name: 'latigo_scheduler_models', help: 'Models listed by the last scheduler pass.', registers });
    for (const outcome of ['succeeded', 'failed', 'dead'] as const) this.tasks.inc({ outcome, error_class: NO_ERROR }, 0);
  }

  /** Adds Node's process metrics (CPU, memory, event-loop lag, GC); only for a process that serves them. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  taskFinished(event: TaskFinished): void {
    this.tasks.inc({ outcome: event.outcome, error_class: event.errorClass ?? NO_ERROR });
    this.taskDuration.observe({ outcome: event.outcome }, event.durationMs / 1000);
    if (event.outcome === 'succeeded' && event.task) {
      const { project, model, windowEndMs } = event.task;
      // Windows finish out of order (catch-up, redelivery): the gauge only moves forward.
      const key = JSON.stringify([project, model]);
      if ((this.newestWindowEndMs.get(key) ?? -Infinity) < windowEndMs) {
        this.newestWindowEndMs.set(key, windowEndMs);
        this.newestWindowEnd.set({ project, model }, windowEndMs / 1000);
      }
    }
  }

  providerCall(event: ProviderCallFinished): void {
    const labels = { provider: event.provider, type: this.providerTypes[event.provider] ?? 'unknown', operation: event.operation };
    this.providerCalls.observe(labels, event.durationMs / 1000);
    if (event.errorClass !== undefined) this.providerErrors.inc({ ...labels, error_class: event.errorClass });
  }

  passFinished(summary: SchedulePassSummary): void {
    this.passes.inc({ result: summary.listingFailures > 0 ? 'partial' : 'ok' });
    this.windowsQueued.inc({ origin: 'live' }, summary.windowsQueued - summary.catchUpWindows);
    this.windowsQueued.inc({ origin: 'catch_up' }, summary.catchUpWindows);
    this.duplicatesSkipped.inc(summary.duplicatesSkipped);
    this.passDuration.observe(summary.durationMs / 1000);
    this.lastTick.set(summary.tickMs / 1000);
    this.modelsListed.set(summary.models);
  }

  passFailed(): void {
    this.passes.inc({ result: 'failed' });
  }

  /** The exposition text and its content type, for `/metrics`. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
