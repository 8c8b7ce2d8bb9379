import http from 'node:http';
import https from 'node:https';
import type { OutputDefinition, OutputsConfig } from '../config/outputsSections.js';
import type { Clock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { parseRetryAfter, retryDelayMs } from '../runtime/retry.js';
import { WriteBatcher } from '../runtime/WriteBatcher.js';
import type { AllowedHosts } from './allowedHosts.js';
import { compileOutput, renderRequest, type CompiledOutput } from './compileOutput.js';
import { eventContext, matchesFilter, outputEventType, type OutboxEventLike } from './eventContext.js';
import type { AttemptOutcome, AttemptRecord, DeliveryRecord, NewDelivery, OutputStore } from './OutputStore.js';
import { resultContext, runResultView, type RunResultSource } from './runResults.js';
import { sendRequest, type SendResult } from './sendRequest.js';

/** The part of the event outbox (src/events) the dispatcher follows. */
export interface EventSource {
  readSince(afterId: number, options: { limit: number }): Promise<{ events: readonly OutboxEventLike[]; nextId: number }>;
  latestId(): Promise<number>;
}

const CURSOR = 'outputs';
const ROUTE_BATCH = 500;

/**
 * Delivers events to outputs (issue 19), in the api process: it follows the event outbox from its own
 * cursor, turning each event into one delivery row per matching output in the transaction that moves the
 * cursor (so an event is routed once, and a restart resumes where it stopped), then sends due deliveries
 * with per-output concurrency and timeout, so a hung receiver occupies only its own output's slots.
 * At least once: a delivery is marked delivered only after a 2xx; a sender that dies mid-request leaves a
 * lease that lapses, and the delivery is sent again with the same delivery id.
 */
export class OutputDispatcher {
  private outputs = new Map<string, CompiledOutput>();
  private readonly inFlight = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  /** Connections kept open between deliveries to the same receiver. */
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  /** Finished attempts, written together: one transaction per round of sends rather than one per delivery. */
  private readonly attempts: WriteBatcher<{ delivery: DeliveryRecord; attempt: AttemptRecord; next: AttemptOutcome }>;
  /** Set when a send finished (its slot is free): the next pass starts at once instead of after the poll interval. */
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly deps: {
      store: OutputStore;
      events: EventSource;
      config: OutputsConfig;
      allowed: AllowedHosts;
      clock: Clock;
      log: Logger;
      /** On-demand runs naming a `result` output; without it, none is delivered. */
      results?: RunResultSource;
    },
  ) {
    this.attempts = new WriteBatcher((items) => deps.store.recordAttempts(items, deps.clock()));
  }

  /** Re-reads the outputs (after a change through the API). Definitions that no longer compile are skipped and logged. */
  async reload(): Promise<void> {
    const next = new Map<string, CompiledOutput>();
    for (const stored of await this.deps.store.list()) {
      if (!stored.definition.enabled) continue;
      try {
        next.set(stored.definition.id, compileOutput(stored.definition, this.deps.allowed));
      } catch (err) {
        this.deps.log.warn('output skipped: its definition no longer passes the checks', {
          output: stored.definition.id,
          error: describeError(err),
        });
      }
    }
    this.outputs = next;
  }

  /** Routes and sends until `signal` fires, then waits for the sends in flight (each bounded by its timeout). */
  async run(signal: AbortSignal): Promise<void> {
    await this.reload();
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.tick(signal);
        failures = 0;
      } catch (err) {
        if (++failures === 1) this.deps.log.error('outputs: routing or claiming failed; retrying', { error: describeError(err) });
      }
      await this.pause(signal);
    }
    await Promise.allSettled([...this.sends]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Waits for the poll interval, or less when a send finished meanwhile (or `signal` fired). */
  private async pause(signal: AbortSignal): Promise<void> {
    if (!this.woken && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.deps.config.pollIntervalMs);
        signal.addEventListener('abort', done, { once: true });
        this.wakeUp = done;
      });
    }
    this.woken = false;
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** One pass: route new events, then start the due deliveries each output has room for. */
  async tick(signal?: AbortSignal): Promise<void> {
    await this.route();
    await this.routeResults();
    const now = this.deps.clock();
    for (const outputId of await this.deps.store.outputsWithDue(now)) {
      const output = this.outputs.get(outputId);
      if (output === undefined) continue;
      const free = output.definition.concurrency - (this.inFlight.get(outputId) ?? 0);
      for (const delivery of await this.deps.store.claim(outputId, free, now, output.definition.timeout + this.deps.config.leaseMarginMs))
        this.start(output, delivery, signal);
    }
  }

  /** Resolves when no send is in flight (tests, benchmark). */
  async idle(): Promise<void> {
    while (this.sends.size > 0) await Promise.allSettled([...this.sends]);
  }

  private async route(): Promise<void> {
    const { store, events } = this.deps;
    let after = await store.cursor(CURSOR);
    const now = this.deps.clock();
    if (after === undefined) {
      // The output tables' migration writes the cursor; without it (a row deleted by hand) outputs begin
      // with what happens from now on rather than replaying the outbox's history.
      await store.addDeliveries([], { name: CURSOR, lastEventId: await events.latestId() }, now);
      return;
    }
    for (;;) {
      const page = await events.readSince(after, { limit: ROUTE_BATCH });
      if (page.nextId === after) return;
      const deliveries: NewDelivery[] = [];
      for (const event of page.events) {
        for (const output of this.outputs.values()) {
          if (output.definition.kind !== 'event' || !matchesFilter(output.definition, event)) continue;
          deliveries.push(render(output, event));
        }
      }
      await store.addDeliveries(deliveries, { name: CURSOR, lastEventId: page.nextId }, now);
      after = page.nextId;
      if (page.events.length < ROUTE_BATCH) return;
    }
  }

  /**
   * Writes the result delivery of each run that names an output and has finished, then marks the run routed.
   * The delivery's source key is the run, so a second api process (or a crash between the two writes)
   * adds nothing. A run whose output was deleted is dropped with a warning; a disabled one waits.
   */
  private async routeResults(): Promise<void> {
    const { results, store, clock, log } = this.deps;
    if (results === undefined) return;
    for (const run of await results.awaiting(ROUTE_BATCH)) {
      const outputId = run.outputId!;
      const output = this.outputs.get(outputId);
      if (output === undefined || output.definition.kind !== 'result') {
        if ((await store.get(outputId)) === undefined) {
          log.warn('run result not delivered: its output no longer exists', { runId: run.id, output: outputId });
          await results.markRouted(run.id, clock());
        }
        continue;
      }
      const outcome = await results.outcome(run);
      if (outcome.state !== 'finished') continue;
      const now = clock();
      const base = { outputId, sourceKey: `run:${run.id}`, eventType: 'run.finished', occurredAt: now };
      let delivery: NewDelivery;
      try {
        delivery = { ...base, request: renderRequest(output, resultContext(run, outcome, outputId), runResultView(run, outcome)) };
      } catch (err) {
        delivery = { ...base, renderError: describeError(err) };
      }
      await store.addDeliveries([delivery], undefined, now);
      await results.markRouted(run.id, now);
    }
  }

  private start(output: CompiledOutput, delivery: DeliveryRecord, signal?: AbortSignal): void {
    const id = output.definition.id;
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    const send = this.deliver(output.definition, delivery, signal)
      .catch((err: unknown) =>
        this.deps.log.error('outputs: could not record an attempt; its lease lapses and it is sent again', {
          output: id,
          delivery: delivery.id,
          error: describeError(err),
        }),
      )
      .finally(() => {
        this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
        this.sends.delete(send);
        this.wake();
      });
    this.sends.add(send);
  }

  private async deliver(definition: OutputDefinition, delivery: DeliveryRecord, signal?: AbortSignal): Promise<void> {
    const { config, clock, allowed } = this.deps;
    const startedAt = clock();
    const result = await sendRequest(delivery.request, {
      timeoutMs: definition.timeout,
      allowed,
      maxResponseChars: config.maxResponseChars,
      ...(definition.secret === undefined ? {} : { secret: definition.secret }),
      nowMs: startedAt,
      extraHeaders: { 'X-Latigo-Delivery': delivery.id, 'X-Latigo-Event': delivery.eventType },
      agents: this.agents,
      ...(signal ? { signal } : {}),
    });
    const now = clock();
    const attempt = {
      attempt: delivery.attempts,
      startedAt,
      latencyMs: result.latencyMs,
      ...(result.kind === 'response' ? { statusCode: result.status } : { error: result.error }),
      ...(result.kind === 'response' && !isSuccess(result.status) ? { error: `HTTP ${result.status}` } : {}),
    };
    const response = result.kind === 'response' ? result.body : undefined;
    const next = nextStep(result, delivery.attempts, config, now);
    await this.attempts.add({ delivery, attempt, next: { ...next, ...(response === undefined ? {} : { response }) } });
    if (next.state === 'failed') {
      this.deps.log.warn('output delivery parked as failed', {
        output: definition.id,
        delivery: delivery.id,
        attempts: delivery.attempts,
        error: attempt.error,
      });
    }
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Delivered on 2xx; retried with backoff on no response, 408, 429 (Retry-After honoured) and 5xx; otherwise parked. */
function nextStep(
  result: SendResult,
  attempt: number,
  config: OutputsConfig,
  now: number,
): { state: 'delivered' | 'pending' | 'failed'; nextAttemptAt?: number } {
  if (result.kind === 'response' && isSuccess(result.status)) return { state: 'delivered' };
  const retryable =
    result.kind === 'network' || (result.kind === 'response' && (result.status === 408 || result.status === 429 || result.status >= 500));
  if (!retryable || attempt >= config.retry.maximumAttempts) return { state: 'failed' };
  const retryAfterMs = result.kind === 'response' ? parseRetryAfter(result.retryAfter, now) : undefined;
  return { state: 'pending', nextAttemptAt: now + retryDelayMs(config.retry, attempt, retryAfterMs) };
}

function render(output: CompiledOutput, event: OutboxEventLike): NewDelivery {
  const base = {
    outputId: output.definition.id,
    sourceKey: `event:${event.id}`,
    eventType: outputEventType(event),
    occurredAt: event.createdAt,
  };
  try {
    return { ...base, request: renderRequest(output, eventContext(event, output.definition.id), eventBody(event)) };
  } catch (err) {
    return { ...base, renderError: describeError(err) };
  }
}

/** The body when an output has no payload template: the event as the outbox holds it. */
function eventBody(event: OutboxEventLike): unknown {
  return {
    id: event.id,
    type: outputEventType(event),
    project: event.project,
    model: event.model,
    revision: event.revision ?? null,
    time: new Date(event.createdAt).toISOString(),
    data: event.data,
  };
}

export { compileOutput };
