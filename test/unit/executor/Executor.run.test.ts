import { expect } from 'chai';
import type { TaskQueue } from '../../../src/contracts/TaskQueue.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import { flaky, permanentError, transientError } from '../../fakes/FlakyProvider.js';
import { Gate } from '../../fakes/Gate.js';
import { InMemoryModelExecution } from '../../fakes/InMemoryModelExecution.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';
import { harness, nthTask, until } from './harness.js';

/** A predictor whose `execute` waits at `gate`; with `honourSignal` false it ignores cancellation. */
function gatedPredictor(gate: Gate, honourSignal = true): InMemoryModelExecution {
  const inner = new InMemoryModelExecution();
  return Object.assign(Object.create(inner) as InMemoryModelExecution, {
    execute: (...args: Parameters<InMemoryModelExecution['execute']>) =>
      gate.pass(() => inner.execute(...args), { signal: args[3]?.signal, honourSignal }),
  });
}

async function sendTasks(queue: RecordingTaskQueue, count: number): Promise<void> {
  const tasks = Array.from({ length: count }, (_, i) => nthTask(i));
  await queue.send(tasks.map((t) => ({ id: t.id, body: encodeTask(t) })));
}

describe('Executor.run', () => {
  // A failed assertion must not leave an executor polling or a task held, or mocha never exits.
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  function stopper(): AbortController {
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    return controller;
  }
  function newGate(): Gate {
    const gate = new Gate();
    cleanups.push(() => gate.open());
    return gate;
  }

  it('processes every queued task and resolves with the counts once stopped', async () => {
    const h = harness();
    await sendTasks(h.queue, 10);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await until(() => h.queue.acked.length === 10, 3_000, '10 acks');
    controller.abort();
    const summary = await running;
    expect(summary).to.include({ processed: 10, succeeded: 10, failed: 0, deadLettered: 0, malformed: 0, released: 0 });
    expect(h.storage.size).to.equal(10 * 180);
  });

  it('never has more than `concurrency` tasks in flight, and keeps that many busy', async () => {
    const gate = newGate();
    const h = harness({ predictor: gatedPredictor(gate), config: { concurrency: 3 } });
    await sendTasks(h.queue, 10);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await gate.untilEntered(3);
    await new Promise((resolve) => setTimeout(resolve, 30)); // room for a fourth task to start, if the limit leaked
    expect(gate.inside).to.equal(3);
    for (let released = 0; released < 7; released++) {
      gate.releaseOne();
      await gate.untilEntered(4 + released);
    }
    gate.open();
    await until(() => h.queue.acked.length === 10, 3_000, '10 acks');
    controller.abort();
    await running;
    expect(gate.maxInside).to.equal(3);
    expect(Math.max(...h.queue.receives)).to.be.at.most(3);
  });

  it('dead-letters malformed messages with their reasons and keeps processing the next ones', async () => {
    const h = harness();
    await h.queue.push('not json at all');
    await h.queue.push(JSON.stringify({ v: 1, project: 'plant' }));
    await h.queue.push(
      JSON.stringify({ v: 1, project: 'plant', model: 'm', revision: 'r', from: '2026-01-01T01:00:00Z', to: '2026-01-01T00:00:00Z' }),
    );
    await sendTasks(h.queue, 2);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await until(() => h.queue.acked.length === 2 && h.queue.deadLettered.length === 3, 3_000, 'all five settled');
    controller.abort();
    const summary = await running;
    expect(summary).to.include({ processed: 5, succeeded: 2, malformed: 3 });
    expect(h.queue.deadLettered.map((d) => d.reason)).to.satisfy(
      (reasons: string[]) =>
        reasons.some((r) => r.includes('body is not JSON')) &&
        reasons.some((r) => r.includes('field "model"')) &&
        reasons.some((r) => r.includes('reversed')),
    );
  });

  it('on shutdown stops receiving and lets the tasks in flight finish within the grace period', async () => {
    const gate = newGate();
    const h = harness({ predictor: gatedPredictor(gate), config: { concurrency: 2, shutdownGraceMs: 2_000 } });
    await sendTasks(h.queue, 5);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await gate.untilEntered(2);
    controller.abort();
    const receivesAtShutdown = h.queue.receives.length;
    setTimeout(() => gate.open(), 30);
    const summary = await running;
    expect(summary).to.include({ processed: 2, succeeded: 2, released: 0 });
    expect(h.queue.acked).to.have.length(2);
    expect(h.queue.receives.length).to.equal(receivesAtShutdown);
    expect(h.queue.pending).to.equal(3);
  });

  it('after the grace period aborts the tasks still running and releases them for immediate redelivery', async () => {
    const gate = newGate();
    // The provider ignores cancellation: the executor must still let go of the task at the deadline.
    // One attempt only: a release that counted as one would dead-letter the tasks.
    const queue = new RecordingTaskQueue({ maxAttempts: 1 });
    const h = harness({ queue, predictor: gatedPredictor(gate, false), config: { concurrency: 2, shutdownGraceMs: 50 } });
    await sendTasks(h.queue, 2);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await gate.untilEntered(2);
    const started = Date.now();
    controller.abort();
    const summary = await running;
    expect(Date.now() - started).to.be.within(40, 1_000);
    expect(summary).to.include({ processed: 2, released: 2, succeeded: 0, failed: 0 });
    expect(h.queue.released.map((r) => r.result)).to.deep.equal([{ settled: true }, { settled: true }]);
    expect(h.queue.nacked).to.be.empty;
    expect(h.queue.deadLettered).to.be.empty;
    expect(h.ledger.runs).to.be.empty;
    expect(h.queue.pending).to.equal(2);
    expect((await h.queue.receive({ maxMessages: 2 })).map((m) => m.attempt)).to.deep.equal([1, 1]);
    expect(h.log.withMessage('shutdown grace period over: releasing tasks still in flight')).to.have.length(1);
    gate.open();
  });

  it('releases the messages of a receive that returns after shutdown began, without using up their attempt', async () => {
    const queue = new RecordingTaskQueue({ maxAttempts: 1 });
    const controller = stopper();
    // Shutdown begins while the receive is under way: the messages arrive after the signal fired.
    const view: TaskQueue = Object.assign(Object.create(queue) as RecordingTaskQueue, {
      receive: async (...args: Parameters<TaskQueue['receive']>) => {
        const messages = await queue.receive(...args);
        controller.abort();
        return messages;
      },
    });
    const h = harness({ queue, queueView: view });
    await sendTasks(queue, 2);
    const summary = await h.executor.run(controller.signal);
    expect(summary).to.include({ processed: 2, released: 2, succeeded: 0 });
    expect(queue.released.map((r) => r.result)).to.deep.equal([{ settled: true }, { settled: true }]);
    expect(queue.nacked).to.be.empty;
    expect(queue.deadLettered).to.be.empty;
    expect(h.describeCalls()).to.be.empty;
    expect((await queue.receive({ maxMessages: 2 })).map((m) => m.attempt)).to.deep.equal([1, 1]);
  });

  it('stops promptly when the signal fires while it waits for work', async () => {
    const h = harness();
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await until(() => h.queue.receives.length > 0, 1_000, 'a receive');
    const started = Date.now();
    controller.abort();
    const summary = await running;
    expect(Date.now() - started).to.be.below(500);
    expect(summary.processed).to.equal(0);
  });

  it('keeps running when receiving fails, logs the outage once, and resumes when the queue is back', async () => {
    const queue = new RecordingTaskQueue();
    const unreliable = flaky<TaskQueue>(queue, 'receive', [
      transientError('queue down'),
      transientError('queue down'),
      transientError('queue down'),
    ]);
    const h = harness({ queue, queueView: unreliable.provider });
    await sendTasks(queue, 2);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await until(() => queue.acked.length === 2, 3_000, '2 acks');
    controller.abort();
    expect((await running).succeeded).to.equal(2);
    expect(unreliable.calls()).to.be.at.least(4);
    expect(h.log.withMessage('cannot receive tasks; retrying')).to.have.length(1);
    expect(h.log.withMessage('receiving tasks again')[0]?.fields.failedReceives).to.equal(3);
  });

  it('stops with the error when the queue refuses its very first receive for good (a consumer group that does not exist)', async () => {
    const queue = new RecordingTaskQueue();
    const refusing = flaky<TaskQueue>(queue, 'receive', [permanentError('Event Hubs has no consumer group "nope"')]);
    const h = harness({ queue, queueView: refusing.provider });
    const err = await h.executor.run(stopper().signal).then(
      () => expect.fail('expected run to reject'),
      (e: Error) => e,
    );
    expect(err.message).to.include('no consumer group "nope"');
    expect(refusing.calls()).to.equal(1);
  });

  it('keeps retrying a permanent receive error once a receive has succeeded (the queue worked before)', async () => {
    const queue = new RecordingTaskQueue();
    let calls = 0;
    // The first receive works (and finds nothing), the next two are refused, then the queue works again.
    const later = Object.assign(Object.create(queue) as RecordingTaskQueue, {
      receive: async (...args: Parameters<TaskQueue['receive']>) => {
        calls++;
        if (calls === 2 || calls === 3) throw permanentError('refused');
        return calls === 1 ? [] : queue.receive(...args);
      },
    });
    const h = harness({ queue, queueView: later });
    await sendTasks(queue, 1);
    const controller = stopper();
    const running = h.executor.run(controller.signal);
    await until(() => queue.acked.length === 1 && calls >= 4, 5_000, 'an ack after the refusals');
    controller.abort();
    expect((await running).succeeded).to.equal(1);
  });
});
