import { expect } from 'chai';
import type { PredictionStorageProvider } from '../../../src/contracts/PredictionStorageProvider.js';
import type { ModelInformationProvider } from '../../../src/contracts/ModelInformationProvider.js';
import { InsufficientDataError, NotFoundError } from '../../../src/runtime/errors.js';
import { failAlways, flaky, permanentError, transientError } from '../../fakes/FlakyProvider.js';
import { Gate } from '../../fakes/Gate.js';
import { InMemoryModelExecution } from '../../fakes/InMemoryModelExecution.js';
import { InMemorySensorData } from '../../fakes/InMemorySensorData.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';
import { InMemoryModelCatalog } from '../../fakes/InMemoryModelCatalog.js';
import type { SensorDataProvider } from '../../../src/contracts/SensorDataProvider.js';
import type { ReceivedMessage } from '../../../src/contracts/TaskQueue.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import { InMemoryExecutorLedger } from '../../fakes/InMemoryExecutorLedger.js';
import { compressor, deliver, deliverRaw, executorConfig, harness, RESOLUTION_MS, ROWS_PER_WINDOW, task, WINDOW } from './harness.js';

/** A predictor whose `execute` waits at `gate`; with `honourSignal` false it ignores cancellation. */
function gatedPredictor(gate: Gate, honourSignal: boolean): InMemoryModelExecution {
  const inner = new InMemoryModelExecution();
  return Object.assign(Object.create(inner) as InMemoryModelExecution, {
    execute: (...args: Parameters<InMemoryModelExecution['execute']>) =>
      gate.pass(() => inner.execute(...args), { signal: args[3]?.signal, honourSignal }),
  });
}

describe('Executor.processMessage', () => {
  describe('a task that succeeds', () => {
    it('stores the predictions of the window, records success with row and quality counts, then acks', async () => {
      const h = harness();
      const message = await deliver(h.queue);
      expect(await h.executor.processMessage(message)).to.equal('succeeded');
      const rows = h.storage.rowsOf('plant', 'compressor-1', 'r1');
      expect(rows).to.have.length(ROWS_PER_WINDOW);
      expect(rows[0]!.timeMs).to.equal(WINDOW.fromMs);
      expect(rows.at(-1)!.timeMs).to.equal(WINDOW.toMs - RESOLUTION_MS);
      const entry = h.ledger.get(task().id);
      expect(entry?.state).to.equal('succeeded');
      expect(entry?.outcome?.rowsWritten).to.equal(ROWS_PER_WINDOW);
      expect(entry?.outcome?.quality).to.include({ rawPoints: 2 * ROWS_PER_WINDOW, emptyBuckets: 0, droppedNonFinite: 0 });
      expect(h.ledger.runs.map((r) => r.run.executor)).to.deep.equal(['executor-test']);
      expect(h.queue.acked.map((m) => m.id)).to.deep.equal([message.id]);
      expect(h.queue.nacked).to.be.empty;
      expect(h.queue.deadLettered).to.be.empty;
    });

    it('acks a redelivered window that already succeeded without doing any work', async () => {
      const h = harness();
      h.ledger.seed(task().id, 'succeeded');
      const message = await deliver(h.queue);
      expect(await h.executor.processMessage(message)).to.equal('skipped');
      expect(h.describeCalls()).to.be.empty;
      expect(h.storage.storeCalls).to.equal(0);
      expect(h.ledger.runs).to.be.empty;
      expect(h.queue.acked.map((m) => m.id)).to.deep.equal([message.id]);
    });

    it('describes the model at the revision pinned on the task, not the current one', async () => {
      const h = harness({ catalog: [compressor('compressor-1', 'r1'), compressor('compressor-1', 'r2')] });
      expect(await h.executor.processMessage(await deliver(h.queue, task('compressor-1', WINDOW, 'r1')))).to.equal('succeeded');
      expect(h.describeCalls()).to.deep.equal([{ project: 'plant', name: 'compressor-1', revision: 'r1' }]);
      expect(h.storage.rowsOf('plant', 'compressor-1', 'r1')).to.have.length(ROWS_PER_WINDOW);
      expect(h.storage.rowsOf('plant', 'compressor-1', 'r2')).to.be.empty;
    });

    it('dead-letters the task when the catalogue answers with another revision than the pinned one', async () => {
      const current = compressor('compressor-1', 'r2');
      const careless: ModelInformationProvider = Object.assign(Object.create(new InMemoryModelCatalog([current])) as InMemoryModelCatalog, {
        describeModel: async () => current, // ignores the revision asked for
      });
      const h = harness({ models: careless });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('dead');
      expect(h.queue.deadLettered[0]?.reason).to.match(/permanent: .*revision r2.*pinned r1/);
      expect(h.storage.size).to.equal(0);
    });

    it('reads the window padded back by the model offset plus the configured padding rows', async () => {
      const h = harness({ catalog: [compressor('compressor-1', 'r1', { offsetRows: 3 })], config: { paddingRows: 2 } });
      await h.executor.processMessage(await deliver(h.queue));
      expect(h.sensors.calls).to.have.length(1);
      const call = h.sensors.calls[0]!;
      expect(call.range).to.deep.equal({ fromMs: WINDOW.fromMs - 5 * RESOLUTION_MS, toMs: WINDOW.toMs });
      expect(call.resolutionMs).to.equal(RESOLUTION_MS);
      expect(call.tags.map((t) => t.name)).to.deep.equal(['flow', 'pressure']);
      expect(h.model.executeCalls[0]!.window).to.deep.equal(WINDOW);
      expect(h.storage.rowsOf('plant', 'compressor-1', 'r1')).to.have.length(ROWS_PER_WINDOW);
    });

    it("asks for only the buckets holding a value when the model says it needs no more (rows: 'present')", async () => {
      const all = harness();
      await all.executor.processMessage(await deliver(all.queue));
      expect(all.sensors.calls.map((c) => c.rows)).to.deep.equal(['all']);
      const model = new InMemoryModelExecution();
      const present = harness({ predictor: Object.assign(model, { frameRows: () => 'present' as const }) });
      expect(await present.executor.processMessage(await deliver(present.queue))).to.equal('succeeded');
      expect(present.sensors.calls.map((c) => c.rows)).to.deep.equal(['present']);
    });

    it('counts predictions that could not be stored as numbers in the window record', async () => {
      // A target tag that is not an input yields NaN outputs: one dropped value per row.
      const model = compressor('compressor-1', 'r1', {
        targetTags: [
          { name: 'flow', asset: 'c' },
          { name: 'ghost', asset: 'c' },
        ],
      });
      const h = harness({ catalog: [model] });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
      expect(h.ledger.get(task().id)?.outcome?.quality?.droppedNonFinite).to.equal(ROWS_PER_WINDOW);
    });

    it('logs one line for the task, carrying its context, outcome, duration and rows', async () => {
      const h = harness();
      await h.executor.processMessage(await deliver(h.queue));
      const lines = h.log.withMessage('task finished');
      expect(lines).to.have.length(1);
      expect(lines[0]!.level).to.equal('debug');
      expect(lines[0]!.fields).to.include({
        taskId: task().id,
        project: 'plant',
        model: 'compressor-1',
        window: '[2026-01-01T00:00:00.000Z, 2026-01-01T00:30:00.000Z)',
        outcome: 'succeeded',
        rows: ROWS_PER_WINDOW,
      });
      expect(lines[0]!.fields.durationMs).to.be.a('number');
    });

    it('warns, and still counts the task as done, when the lease was lost before the ack', async () => {
      let now = Date.now();
      const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000 });
      const inner = harness().storage;
      const storage: PredictionStorageProvider = {
        store: async (set, options) => {
          // The task ran past its lease, and another executor received it meanwhile.
          now += 2_000;
          expect(await queue.inner.receive({ maxMessages: 1 })).to.have.length(1);
          return inner.store(set, options);
        },
      };
      const h = harness({ queue, storage });
      expect(await h.executor.processMessage(await deliver(queue))).to.equal('succeeded');
      expect(queue.acked).to.be.empty;
      const [line] = h.log.withMessage('task finished');
      expect(line?.level).to.equal('warn');
      expect(line?.fields.leaseLost).to.equal(true);
      expect(h.log.lines.filter((l) => l.level === 'error')).to.be.empty;
    });
  });

  describe('a task that fails', () => {
    it('retries a transient provider failure and then succeeds', async () => {
      const sensors = flaky(new InMemorySensorData(), 'getData', [transientError(), transientError()]);
      const h = harness({ sensorData: sensors.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
      expect(sensors.calls()).to.equal(3);
      expect(h.queue.acked).to.have.length(1);
      expect(h.log.withMessage('task finished')[0]?.fields.retries).to.equal(2);
    });

    it('nacks with the reason when transient failures outlast the retries, recording the window as failed', async () => {
      const sensors = failAlways(new InMemorySensorData(), 'getData', () => transientError('historian unreachable'));
      const h = harness({ sensorData: sensors.provider });
      const message = await deliver(h.queue);
      expect(await h.executor.processMessage(message)).to.equal('failed');
      expect(sensors.calls()).to.equal(3);
      expect(h.queue.nacked).to.have.length(1);
      expect(h.queue.nacked[0]!.options.reason).to.equal('transient: historian unreachable');
      expect(h.queue.nacked[0]!.options.retryAfterMs).to.equal(undefined);
      expect(h.queue.acked).to.be.empty;
      expect(h.queue.deadLettered).to.be.empty;
      expect(h.ledger.get(task().id)?.outcome).to.include({
        state: 'failed',
        errorClass: 'transient',
        errorMessage: 'historian unreachable',
      });
      expect(h.log.withMessage('task finished')[0]?.level).to.equal('warn');
    });

    it('records the window dead, once, when the queue dead-letters the nack of the last attempt', async () => {
      const queue = new RecordingTaskQueue({ maxAttempts: 1 });
      const sensors = failAlways(new InMemorySensorData(), 'getData', () => transientError('historian unreachable'));
      const h = harness({ queue, sensorData: sensors.provider });
      expect(await h.executor.processMessage(await deliver(queue))).to.equal('dead');
      expect(queue.nacked[0]!.result).to.deep.equal({ settled: true, deadLettered: true });
      expect(h.ledger.runs.map((r) => r.outcome.state)).to.deep.equal(['dead']);
      expect(h.ledger.get(task().id)?.outcome?.errorClass).to.equal('transient');
    });

    it('dead-letters a permanent failure with its reason, without retrying, and records the window dead', async () => {
      const storage = failAlways(harness().storage, 'store', () => permanentError('column "score" does not exist'));
      const h = harness({ storage: storage.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('dead');
      expect(storage.calls()).to.equal(1);
      expect(h.queue.deadLettered.map((d) => d.reason)).to.deep.equal(['permanent: column "score" does not exist']);
      expect(h.queue.acked).to.be.empty;
      expect(h.queue.nacked).to.be.empty;
      expect(h.ledger.get(task().id)?.outcome).to.include({ state: 'dead', errorClass: 'permanent' });
      expect(h.log.withMessage('task finished')[0]?.level).to.equal('error');
    });

    it('treats a model the catalogue does not know as permanent', async () => {
      const h = harness({ catalog: [] });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('dead');
      expect(h.queue.deadLettered[0]?.reason).to.match(/^permanent: model plant\/compressor-1 at revision r1 does not exist/);
    });

    it('treats an unexpected error as permanent rather than retrying it', async () => {
      const predictor = failAlways(new InMemoryModelExecution(), 'execute', () => new TypeError('cannot read properties of undefined'));
      const h = harness({ predictor: predictor.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('dead');
      expect(predictor.calls()).to.equal(1);
      expect(h.ledger.get(task().id)?.outcome?.errorClass).to.equal('permanent');
    });

    it('records insufficient data with the frame quality and acks, without retrying', async () => {
      const predictor = new InMemoryModelExecution({ minCompleteRows: 1_000 });
      const h = harness({ predictor });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('insufficient_data');
      expect(predictor.executeCalls).to.have.length(1);
      const outcome = h.ledger.get(task().id)?.outcome;
      expect(outcome).to.include({ state: 'insufficient_data', errorClass: 'insufficient_data' });
      expect(outcome?.errorMessage).to.match(/180 complete rows/);
      expect(outcome?.quality?.rawPoints).to.equal(2 * ROWS_PER_WINDOW);
      expect(h.queue.acked).to.have.length(1);
      expect(h.queue.nacked).to.be.empty;
      expect(h.storage.storeCalls).to.equal(0);
    });

    it('does not retry insufficient data reported by the sensor source either', async () => {
      const sensors = flaky(new InMemorySensorData(), 'getData', [new InsufficientDataError('no data'), transientError()]);
      const h = harness({ sensorData: sensors.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('insufficient_data');
      expect(sensors.calls()).to.equal(1);
    });

    it('times out a task that runs past its timeout, even if the provider ignores cancellation, and nacks it', async () => {
      const gate = new Gate();
      const inner = new InMemoryModelExecution();
      const predictor = Object.assign(Object.create(inner) as InMemoryModelExecution, {
        execute: (...args: Parameters<InMemoryModelExecution['execute']>) => gate.pass(() => inner.execute(...args)),
      });
      const h = harness({ predictor, config: { taskTimeoutMs: 40 } });
      const started = Date.now();
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('failed');
      expect(Date.now() - started).to.be.below(1_000);
      expect(h.queue.nacked[0]?.options.reason).to.equal('transient: task timed out after 40 ms');
      expect(h.ledger.get(task().id)?.outcome).to.include({ state: 'failed', errorClass: 'transient' });
      gate.open();
    });

    it('releases a task its caller cancels on its last attempt: redelivered at once with that attempt, never dead-lettered', async () => {
      const gate = new Gate();
      const queue = new RecordingTaskQueue({ maxAttempts: 1 });
      const h = harness({ queue, predictor: gatedPredictor(gate, true) });
      const controller = new AbortController();
      const outcome = h.executor.processMessage(await deliver(queue), controller.signal);
      await gate.untilEntered(1);
      controller.abort(new DOMException('shutdown', 'AbortError'));
      expect(await outcome).to.equal('released');
      expect(queue.released.map((r) => r.result)).to.deep.equal([{ settled: true }]);
      expect(queue.nacked).to.be.empty;
      expect(queue.deadLettered).to.be.empty;
      expect(h.ledger.runs).to.be.empty;
      expect(h.ledger.get(task().id)?.state).to.equal('running');
      const [again] = await queue.receive({ maxMessages: 1 });
      expect(again).to.include({ id: task().id, attempt: 1 });
      gate.open();
      expect(await h.executor.processMessage(again!)).to.equal('succeeded');
    });

    it('times out a task whose provider honours cancellation, and nacks it as transient', async () => {
      const gate = new Gate();
      const h = harness({ predictor: gatedPredictor(gate, true), config: { taskTimeoutMs: 40 } });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('failed');
      expect(h.queue.nacked.map((n) => n.options.reason)).to.deep.equal(['transient: task timed out after 40 ms']);
      expect(h.ledger.get(task().id)?.outcome).to.include({ state: 'failed', errorClass: 'transient' });
      gate.open();
    });

    it("nacks a provider's own timeout as transient, not as a cancellation", async () => {
      const ownTimeout = () => new DOMException('the historian did not answer within 5 s', 'TimeoutError');
      const sensors = failAlways(new InMemorySensorData(), 'getData', ownTimeout);
      const h = harness({ sensorData: sensors.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('failed');
      expect(h.queue.nacked.map((n) => n.options.reason)).to.deep.equal(['transient: the historian did not answer within 5 s']);
      expect(h.ledger.get(task().id)?.outcome).to.include({ state: 'failed', errorClass: 'transient' });
    });

    it('records only the run, leaving the window to the delivery holding it, when a late transient failure finds its lease lost', async () => {
      let now = Date.now();
      const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000 });
      const ledger = new InMemoryExecutorLedger(() => now);
      let other: ReceivedMessage | undefined;
      const sensorData: SensorDataProvider = Object.assign(Object.create(new InMemorySensorData()) as InMemorySensorData, {
        getData: async () => {
          // The task ran past its lease, and another executor received it and began the window meanwhile.
          now += 2_000;
          [other] = await queue.inner.receive({ maxMessages: 1 });
          await ledger.begin(task(), 'executor-other');
          throw transientError('historian unreachable');
        },
      });
      // As loadConfig requires, the task times out (and its ledger claim ends) before its queue lease does.
      const config = { taskTimeoutMs: 900, retry: { ...executorConfig().retry, maximumAttempts: 1 } };
      const h = harness({ queue, ledger, sensorData, config });
      expect(await h.executor.processMessage(await deliver(queue))).to.equal('failed');
      expect(queue.nacked.map((n) => n.result)).to.deep.equal([{ settled: false, reason: 'lease_lost' }]);
      expect(ledger.runs.map((r) => [r.outcome.state, r.run.leaseLost])).to.deep.equal([['failed', true]]);
      expect(ledger.get(task().id)).to.include({ state: 'running', attempts: 2 });
      expect(ledger.get(task().id)?.outcome).to.equal(undefined);
      expect(await queue.ack(other!)).to.deep.equal({ settled: true });
    });

    it('leaves the message to its lease when the ledger cannot be reached, logging an error', async () => {
      const ledger = failAlways(harness().ledger, 'begin', () => new Error('SQLITE_BUSY: database is locked'));
      const h = harness({ ledger: ledger.provider });
      expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('failed');
      expect(h.queue.acked).to.be.empty;
      expect(h.queue.deadLettered).to.be.empty;
      expect(h.describeCalls()).to.be.empty;
      const [line] = h.log.withMessage('task finished');
      expect(line?.level).to.equal('error');
      expect(line?.fields.infrastructureError).to.match(/SQLITE_BUSY/);
    });
  });

  describe('a message whose leases kept expiring', () => {
    /** Delivers `body` until the queue gives up on it: each lease expires, as when its executor crashed or hung. */
    async function exhaust(queue: RecordingTaskQueue, advance: () => void, body: string) {
      const id = await queue.push(body);
      for (;;) {
        const [message] = await queue.receive({ maxMessages: 1 });
        if (!message || message.id !== id) throw new Error('the queue did not deliver the body just pushed');
        if (message.exhausted) return message;
        advance();
      }
    }

    it('records the window dead with the reason and dead-letters it, without running the task', async () => {
      let now = Date.now();
      const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000, maxAttempts: 2 });
      const h = harness({ queue });
      h.ledger.seed(task().id, 'running'); // as the crashed executors left it
      const message = await exhaust(
        queue,
        () => {
          now += 1_000;
        },
        encodeTask(task()),
      );
      expect(message.attempt).to.equal(3);
      expect(await h.executor.processMessage(message)).to.equal('dead');
      expect(h.describeCalls()).to.be.empty;
      expect(h.storage.storeCalls).to.equal(0);
      const reason = /lease expired without ack or nack on the last of 2 deliveries.*the task kept crashing or hanging its executor/;
      expect(h.ledger.get(task().id)?.state).to.equal('dead');
      expect(h.ledger.get(task().id)?.outcome?.errorClass).to.equal('permanent');
      expect(h.ledger.get(task().id)?.outcome?.errorMessage).to.match(reason);
      expect(queue.deadLettered.map((d) => d.reason)).to.satisfy(
        (reasons: string[]) => reasons.length === 1 && /^permanent: /.test(reasons[0]!) && reason.test(reasons[0]!),
      );
      expect(queue.pending).to.equal(0);
      expect(h.log.withMessage('task finished')[0]?.level).to.equal('error');
    });

    it('dead-letters a malformed one as malformed', async () => {
      let now = Date.now();
      const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000, maxAttempts: 1 });
      const h = harness({ queue });
      const message = await exhaust(
        queue,
        () => {
          now += 1_000;
        },
        'not json',
      );
      expect(await h.executor.processMessage(message)).to.equal('malformed');
      expect(queue.deadLettered.map((d) => d.reason)).to.satisfy(
        (reasons: string[]) => reasons.length === 1 && reasons[0]!.startsWith('malformed: '),
      );
      expect(h.ledger.runs).to.be.empty;
    });
  });

  describe('a malformed message', () => {
    const cases: [string, string, RegExp][] = [
      ['a body that is not JSON', 'predict compressor-1 please', /^malformed: body is not JSON/],
      ['a JSON value that is not an object', '[1, 2, 3]', /^malformed: body is not a JSON object$/],
      [
        'a task without a model',
        JSON.stringify({ v: 1, project: 'plant', revision: 'r1', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:30:00Z' }),
        /^malformed: field "model" must be a non-empty string$/,
      ],
      [
        'a reversed window',
        JSON.stringify({ v: 1, project: 'plant', model: 'm', revision: 'r1', from: '2026-01-01T00:30:00Z', to: '2026-01-01T00:00:00Z' }),
        /^malformed: window is empty or reversed/,
      ],
      [
        'an unparseable timestamp',
        JSON.stringify({ v: 1, project: 'plant', model: 'm', revision: 'r1', from: 'yesterday', to: '2026-01-01T00:00:00Z' }),
        /^malformed: field "from" is not a timestamp/,
      ],
    ];
    for (const [what, body, reason] of cases) {
      it(`dead-letters ${what} with the reason, touching no provider or ledger`, async () => {
        const h = harness();
        const id = await h.queue.push(body);
        const [message] = await h.queue.receive({ maxMessages: 1 });
        expect(await h.executor.processMessage(message!)).to.equal('malformed');
        expect(h.queue.deadLettered).to.have.length(1);
        expect(h.queue.deadLettered[0]!.message.id).to.equal(id);
        expect(h.queue.deadLettered[0]!.reason).to.match(reason);
        expect(h.describeCalls()).to.be.empty;
        expect(h.ledger.runs).to.be.empty;
      });
    }

    it('logs one warning with the reason and only the start of a huge body', async () => {
      const h = harness();
      await h.queue.push('x'.repeat(1_000_000));
      const [message] = await h.queue.receive({ maxMessages: 1 });
      await h.executor.processMessage(message!);
      expect(h.log.lines).to.have.length(1);
      const [line] = h.log.lines;
      expect(line!.level).to.equal('warn');
      // Issue 14: a body over the size limit is refused for its size, before any parsing.
      expect(line!.fields.reason).to.match(/^malformed: body of 1,000,000 characters exceeds the limit of 16,384/);
      expect(line!.fields.bodyLength).to.equal(1_000_000);
      expect(String(line!.fields.bodyPreview).length).to.be.at.most(200);
      expect(h.queue.deadLettered[0]!.reason.length).to.be.at.most(500);
    });
  });

  it('reports NotFoundError from the catalogue with its message in the ledger', async () => {
    const models = failAlways(
      new InMemoryModelCatalog([compressor()]),
      'describeModel',
      () => new NotFoundError('revision r1 was deleted'),
    );
    const h = harness({ models: models.provider });
    await h.executor.processMessage(await deliver(h.queue));
    expect(h.ledger.get(task().id)?.outcome).to.include({ state: 'dead', errorMessage: 'revision r1 was deleted' });
    expect(models.calls()).to.equal(1);
  });
});

describe('Executor.processMessage history and counts', () => {
  it('reads the history the predictor asks for before the window, on top of the model offset and padding', async () => {
    const predictor = Object.assign(new InMemoryModelExecution(), { requiredHistoryRows: () => 2 });
    const h = harness({ predictor, catalog: [compressor('compressor-1', 'r1', { offsetRows: 3 })], config: { paddingRows: 1 } });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
    const frame = predictor.executeCalls[0]!.frame;
    expect(frame.range.fromMs).to.equal(WINDOW.fromMs - (3 + 1 + 2) * RESOLUTION_MS);
    expect(h.storage.rowsOf('plant', 'compressor-1', 'r1')).to.have.length(ROWS_PER_WINDOW);
  });

  it('records what the predictor skipped with the window', async () => {
    const inner = new InMemoryModelExecution();
    const predictor = Object.assign(Object.create(inner) as InMemoryModelExecution, {
      execute: async (...args: Parameters<InMemoryModelExecution['execute']>) => ({
        ...(await inner.execute(...args)),
        counts: { incomplete_rows: 4 },
      }),
    });
    const h = harness({ predictor });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
    expect(h.ledger.get(task().id)?.outcome?.quality).to.include({ incomplete_rows: 4 });
  });
});

describe('Executor.processMessage with a Python latigo message (no revision)', () => {
  const pythonBody = (model = 'compressor-1') =>
    JSON.stringify({ project_name: 'plant', model_name: model, from_time: WINDOW.fromMs / 1000, to_time: WINDOW.toMs / 1000 });

  it('pins it to the current revision with the one describeModel call the task makes, and runs it', async () => {
    const h = harness({ catalog: [compressor('compressor-1', 'r1'), compressor('compressor-1', 'r2')] });
    const message = await deliverRaw(h.queue, pythonBody());
    expect(await h.executor.processMessage(message)).to.equal('succeeded');
    expect(h.describeCalls()).to.deep.equal([{ project: 'plant', name: 'compressor-1', revision: undefined }]);
    const pinned = task('compressor-1', WINDOW, 'r2');
    expect(h.ledger.get(pinned.id)?.state).to.equal('succeeded');
    expect(h.storage.rowsOf('plant', 'compressor-1', 'r2')).to.have.length(ROWS_PER_WINDOW);
    expect(h.queue.acked.map((m) => m.id)).to.deep.equal([message.id]);
    expect(h.log.withMessage('task finished')[0]?.fields).to.include({ taskId: pinned.id, outcome: 'succeeded' });
  });

  it('skips the work when the pinned window already finished', async () => {
    const h = harness();
    h.ledger.seed(task().id, 'succeeded');
    expect(await h.executor.processMessage(await deliverRaw(h.queue, pythonBody()))).to.equal('skipped');
    expect(h.describeCalls()).to.have.length(1);
    expect(h.storage.storeCalls).to.equal(0);
  });

  it('dead-letters it when the model is unknown, with no window to record', async () => {
    const h = harness();
    expect(await h.executor.processMessage(await deliverRaw(h.queue, pythonBody('gone')))).to.equal('dead');
    expect(h.queue.deadLettered.map((d) => d.reason)).to.satisfy(
      (reasons: string[]) => reasons.length === 1 && /^permanent: .*gone/.test(reasons[0]!),
    );
    expect(h.ledger.runs).to.be.empty;
  });

  it('nacks it when the catalogue is down, to pin it on a later attempt', async () => {
    const models = failAlways(new InMemoryModelCatalog([compressor()]), 'describeModel', () => transientError('catalogue unreachable'));
    const h = harness({ models: models.provider });
    expect(await h.executor.processMessage(await deliverRaw(h.queue, pythonBody()))).to.equal('failed');
    expect(h.queue.nacked.map((n) => n.options.reason)).to.satisfy(
      (reasons: string[]) => reasons.length === 1 && /^transient: /.test(reasons[0]!),
    );
    expect(h.ledger.runs).to.be.empty;
  });
});
