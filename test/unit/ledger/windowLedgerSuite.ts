import { expect } from 'chai';
import { newTask, type PredictionTask } from '../../../src/domain/Task.js';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import type { OpenDatabase as Database } from '../../../src/persistence/dataSource.js';

/** A migrated database in a fresh state, of whatever dialect, and how to let it go. */
export interface FreshLedgerDatabase {
  readonly db: Database;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const WINDOW = 10 * 60_000;

function task(model: string, k: number, revision = 'r1', project = 'p'): PredictionTask {
  return newTask(project, model, revision, { fromMs: T0 + k * WINDOW, toMs: T0 + (k + 1) * WINDOW });
}

/**
 * The window ledger's behaviour on one database dialect: run on SQLite by WindowLedger.test.ts and on
 * PostgreSQL by test/integration/ledger.postgres.test.ts. `open` gives each test a migrated, empty database.
 */
export function describeWindowLedger(dialect: string, open: () => Promise<FreshLedgerDatabase>): void {
  describe(`WindowLedger on ${dialect}`, () => {
    let store: FreshLedgerDatabase;
    let now: number;
    let ledger: WindowLedger;

    beforeEach(async () => {
      store = await open();
      now = T0 + 86_400_000;
      ledger = new WindowLedger(store.db, () => now);
    });
    afterEach(async () => {
      await store.cleanup();
    });

    describe('recording windows', () => {
      it('inserts only windows it lacks and returns just those', async () => {
        expect(await ledger.recordNew([task('m', 0), task('m', 1)], 'schedule')).to.have.length(2);
        const fresh = await ledger.recordNew([task('m', 1), task('m', 2), task('m', 2, 'r2')], 'catch_up');
        expect(fresh.map((t) => t.id)).to.deep.equal([task('m', 2).id, task('m', 2, 'r2').id]);
        const kept = await ledger.get(task('m', 1).id);
        expect(kept).to.include({ origin: 'schedule', state: 'queued', attempts: 0, createdAt: now, revision: 'r1' });
        expect(kept?.enqueuedAt).to.equal(undefined);
      });

      it('records thousands of windows in one call across chunks, each once', async () => {
        const tasks = Array.from({ length: 2_500 }, (_, k) => task('m', k));
        expect(await ledger.recordNew(tasks, 'backfill')).to.have.length(2_500);
        expect(await ledger.recordNew([...tasks.slice(1_000, 1_200), task('m', 2_500)], 'backfill')).to.have.length(1);
        expect((await ledger.counts()).byState.queued).to.equal(2_501);
      });

      it('lists recorded but unsent windows oldest first until they are marked enqueued', async () => {
        await ledger.recordNew([task('m', 0)], 'schedule');
        now += 1_000;
        await ledger.recordNew([task('m', 1), task('n', 1)], 'schedule');
        expect((await ledger.unsent(10)).map((t) => t.id)[0]).to.equal(task('m', 0).id);
        expect(await ledger.unsent(1)).to.deep.equal([task('m', 0)]);
        await ledger.markEnqueued([task('m', 0).id, task('n', 1).id]);
        expect(await ledger.unsent(10)).to.deep.equal([task('m', 1)]);
        expect((await ledger.get(task('m', 0).id))?.enqueuedAt).to.equal(now);
      });

      it('keeps the first enqueue time when a window is marked enqueued again', async () => {
        await ledger.recordNew([task('m', 0)], 'schedule');
        await ledger.markEnqueued([task('m', 0).id]);
        const first = now;
        now += 5_000;
        await ledger.markEnqueued([task('m', 0).id]);
        expect((await ledger.get(task('m', 0).id))?.enqueuedAt).to.equal(first);
      });

      it('reports recorded window starts of one revision inside a range', async () => {
        await ledger.recordNew([0, 1, 2, 5].map((k) => task('m', k)).concat(task('m', 1, 'r2'), task('other', 1)), 'schedule');
        const starts = await ledger.recordedWindowStarts('p', 'm', 'r1', { fromMs: T0 + WINDOW, toMs: T0 + 5 * WINDOW });
        expect([...starts].sort()).to.deep.equal([T0 + WINDOW, T0 + 2 * WINDOW]);
      });

      it('finds the windows of many models ending in a range with one call, whatever their revision', async () => {
        await ledger.recordNew([task('a', 0), task('a', 1), task('b', 1, 'r2'), task('c', 1), task('a', 1, 'r1', 'q')], 'schedule');
        const found = await ledger.windowsEndingIn('p', ['a', 'b'], { fromMs: T0 + 2 * WINDOW, toMs: T0 + 2 * WINDOW + 1 });
        expect(found.map((w) => `${w.model}@${w.revision}`).sort()).to.deep.equal(['a@r1', 'b@r2']);
        expect(found[0]).to.include({ fromMs: T0 + WINDOW, toMs: T0 + 2 * WINDOW });
      });

      it('counts the windows still waiting for an executor, by origin', async () => {
        await ledger.recordNew([task('m', 0), task('m', 1)], 'backfill');
        await ledger.recordNew([task('m', 2)], 'schedule');
        await ledger.begin(task('m', 0), 'executor-1');
        expect(await ledger.queuedCount('backfill')).to.equal(1);
        expect(await ledger.queuedCount()).to.equal(2);
      });
    });

    describe('executor calls', () => {
      it('begin marks a queued window running and counts the attempt', async () => {
        await ledger.recordNew([task('m', 0)], 'schedule');
        expect(await ledger.begin(task('m', 0), 'executor-1', { leaseMs: 1_000 })).to.deep.equal({ proceed: true });
        now += 1_000; // the claim of executor-1 expired (it crashed): the window runs again
        expect(await ledger.begin(task('m', 0), 'executor-2')).to.deep.equal({ proceed: true });
        expect(await ledger.get(task('m', 0).id)).to.include({ state: 'running', attempts: 2, startedAt: now });
      });

      it('begin refuses a window running under another live claim, naming its runner and expiry, until the claim ends', async () => {
        const t = task('m', 0);
        await ledger.recordNew([t], 'schedule');
        expect(await ledger.begin(t, 'executor-1', { leaseMs: 5_000 })).to.deep.equal({ proceed: true });
        expect(await ledger.get(t.id)).to.include({ runner: 'executor-1', leaseExpiresAt: now + 5_000 });
        now += 4_999;
        expect(await ledger.begin(t, 'executor-2', { leaseMs: 5_000 })).to.deep.equal({
          proceed: false,
          state: 'running',
          runner: 'executor-1',
          leaseExpiresAt: now + 1,
        });
        // The same executor name is refused too: a second delivery inside one process is a duplicate all the same.
        expect(await ledger.begin(t, 'executor-1')).to.include({ proceed: false, state: 'running' });
        expect(await ledger.get(t.id)).to.include({ attempts: 1 });
        now += 1; // the claim expired: its runner died or overran its deadline
        expect(await ledger.begin(t, 'executor-2', { leaseMs: 5_000 })).to.deep.equal({ proceed: true });
        expect(await ledger.get(t.id)).to.include({ state: 'running', attempts: 2, runner: 'executor-2', leaseExpiresAt: now + 5_000 });
      });

      it('begin lets the next delivery run at once after the runner ended its claim without an outcome', async () => {
        const t = task('m', 0);
        await ledger.begin(t, 'executor-1', { leaseMs: 60_000 });
        await ledger.endClaim(t, 'executor-2'); // not its claim: nothing changes
        expect(await ledger.begin(t, 'executor-2')).to.include({ proceed: false, state: 'running' });
        await ledger.endClaim(t, 'executor-1');
        expect(await ledger.begin(t, 'executor-2')).to.deep.equal({ proceed: true });
      });

      it('of two deliveries racing to begin one window, exactly one proceeds, whether the window was recorded or not', async () => {
        const other = new WindowLedger(store.db, () => now);
        const recorded = Array.from({ length: 20 }, (_, k) => task('recorded', k));
        await ledger.recordNew(recorded, 'schedule');
        const unrecorded = Array.from({ length: 20 }, (_, k) => task('unrecorded', k));
        for (const t of [...recorded, ...unrecorded]) {
          const results = await Promise.all([ledger.begin(t, 'executor-1'), other.begin(t, 'executor-2')]);
          expect(
            results.filter((r) => r.proceed),
            t.model,
          ).to.have.length(1);
          expect(results.find((r) => !r.proceed)).to.include({ state: 'running' });
          expect(await ledger.get(t.id)).to.include({ state: 'running', attempts: 1 });
        }
      });

      it('begin refuses a window that already finished, naming its state', async () => {
        for (const state of ['succeeded', 'insufficient_data', 'dead'] as const) {
          const t = task(state, 0);
          await ledger.recordNew([t], 'schedule');
          await ledger.begin(t, 'executor-1');
          await ledger.finish(t, { state }, { executor: 'executor-1', startedAt: now });
          expect(await ledger.begin(t, 'executor-2')).to.deep.equal({ proceed: false, state });
        }
      });

      it('begin lets a failed window run again', async () => {
        await ledger.recordNew([task('m', 0)], 'schedule');
        await ledger.begin(task('m', 0), 'executor-1');
        await ledger.finish(
          task('m', 0),
          { state: 'failed', errorClass: 'transient', errorMessage: 'timeout' },
          { executor: 'executor-1', startedAt: now },
        );
        expect(await ledger.begin(task('m', 0), 'executor-1')).to.deep.equal({ proceed: true });
        expect(await ledger.get(task('m', 0).id)).to.include({ state: 'running', attempts: 2 });
      });

      it('begin records a window it never saw as running with origin schedule', async () => {
        expect(await ledger.begin(task('m', 3), 'executor-1')).to.deep.equal({ proceed: true });
        expect(await ledger.get(task('m', 3).id)).to.include({
          state: 'running',
          origin: 'schedule',
          attempts: 1,
          model: 'm',
          revision: 'r1',
        });
        expect(await ledger.recordNew([task('m', 3)], 'schedule')).to.deep.equal([]);
      });

      it('finish records the outcome on the window and one run per attempt', async () => {
        const t = task('m', 0);
        await ledger.recordNew([t], 'schedule');
        await ledger.begin(t, 'executor-1');
        now += 2_000;
        await ledger.finish(
          t,
          { state: 'failed', errorClass: 'transient', errorMessage: 'influx timeout' },
          { executor: 'executor-1', startedAt: now - 2_000 },
        );
        await ledger.begin(t, 'executor-2');
        now += 1_000;
        await ledger.finish(
          t,
          { state: 'succeeded', rowsWritten: 180, quality: { droppedPoints: 3 } },
          { executor: 'executor-2', startedAt: now - 500 },
        );
        const record = await ledger.get(t.id);
        expect(record).to.include({ state: 'succeeded', rowsWritten: 180, finishedAt: now, attempts: 2 });
        expect(record?.quality).to.deep.equal({ droppedPoints: 3 });
        expect(record?.errorClass).to.equal(undefined);
        const runs = await ledger.runs(t.id);
        expect(runs.map((r) => [r.attempt, r.executor, r.status, r.errorClass ?? null])).to.deep.equal([
          [1, 'executor-1', 'failed', 'transient'],
          [2, 'executor-2', 'succeeded', null],
        ]);
        expect(runs[1]).to.include({ startedAt: now - 500, finishedAt: now, rowsWritten: 180 });
      });

      it('finish never downgrades a succeeded window when a duplicate delivery fails late', async () => {
        const t = task('m', 0);
        await ledger.recordNew([t], 'schedule');
        await ledger.begin(t, 'executor-1');
        await ledger.begin(t, 'executor-2');
        await ledger.finish(t, { state: 'succeeded', rowsWritten: 10 }, { executor: 'executor-2', startedAt: now });
        await ledger.finish(t, { state: 'failed', errorClass: 'transient' }, { executor: 'executor-1', startedAt: now });
        expect(await ledger.get(t.id)).to.include({ state: 'succeeded', rowsWritten: 10 });
        expect(await ledger.runs(t.id)).to.have.length(2);
      });

      it('finish never changes an insufficient_data or dead window when a duplicate delivery fails late', async () => {
        const late = [
          { state: 'failed', errorClass: 'transient' },
          { state: 'dead', errorClass: 'permanent' },
          { state: 'insufficient_data' },
        ] as const;
        for (const first of [
          { state: 'insufficient_data', errorClass: 'insufficient_data' },
          { state: 'dead', errorClass: 'permanent' },
        ] as const) {
          const t = task(first.state, 0);
          await ledger.recordNew([t], 'schedule');
          await ledger.begin(t, 'executor-1');
          await ledger.begin(t, 'executor-2');
          await ledger.finish(t, first, { executor: 'executor-2', startedAt: now });
          for (const outcome of late.filter((o) => o.state !== first.state)) {
            await ledger.finish(t, outcome, { executor: 'executor-1', startedAt: now });
          }
          expect(await ledger.get(t.id), first.state).to.include({ state: first.state, errorClass: first.errorClass });
          expect(await ledger.runs(t.id)).to.have.length(3);
        }
      });

      it('finish lets a late success of a duplicate delivery mark a dead window succeeded: its predictions are stored', async () => {
        const t = task('m', 0);
        await ledger.recordNew([t], 'schedule');
        await ledger.begin(t, 'executor-1');
        await ledger.finish(t, { state: 'dead', errorClass: 'permanent' }, { executor: 'executor-1', startedAt: now });
        await ledger.finish(t, { state: 'succeeded', rowsWritten: 10 }, { executor: 'executor-2', startedAt: now });
        expect(await ledger.get(t.id)).to.include({ state: 'succeeded', rowsWritten: 10 });
      });

      it('finish of a delivery whose lease was lost records the run but leaves the window to the delivery holding it', async () => {
        const t = task('m', 0);
        await ledger.recordNew([t], 'schedule');
        await ledger.begin(t, 'executor-1', { leaseMs: 1_000 });
        now += 1_000;
        await ledger.begin(t, 'executor-2'); // the lease of executor-1 expired; executor-2 runs the window now
        await ledger.finish(
          t,
          { state: 'failed', errorClass: 'transient', errorMessage: 'late' },
          { executor: 'executor-1', startedAt: now, leaseLost: true },
        );
        const record = await ledger.get(t.id);
        expect(record).to.include({ state: 'running', attempts: 2 });
        expect(record?.errorMessage).to.equal(undefined);
        expect((await ledger.runs(t.id)).map((r) => [r.executor, r.status, r.errorMessage])).to.deep.equal([
          ['executor-1', 'failed', 'late'],
        ]);
      });

      it('counts windows by state and failed or dead ones by error class', async () => {
        const outcomes = [
          { state: 'succeeded' },
          { state: 'succeeded' },
          { state: 'insufficient_data', errorClass: 'insufficient_data' },
          { state: 'failed', errorClass: 'transient' },
          { state: 'dead', errorClass: 'permanent' },
          { state: 'dead', errorClass: 'permanent' },
        ] as const;
        const tasks = outcomes.map((_, k) => task('m', k));
        await ledger.recordNew([...tasks, task('m', 99), task('m', 100)], 'schedule');
        for (const [k, outcome] of outcomes.entries()) {
          await ledger.begin(tasks[k]!, 'executor-1');
          await ledger.finish(tasks[k]!, outcome, { executor: 'executor-1', startedAt: now });
        }
        await ledger.begin(task('m', 99), 'executor-1');
        expect(await ledger.counts()).to.deep.equal({
          byState: { queued: 1, running: 1, succeeded: 2, insufficient_data: 1, failed: 1, dead: 2 },
          byErrorClass: { transient: 1, permanent: 2 },
        });
      });
    });

    it('prunes finished windows older than the cutoff with their runs, keeps unfinished ones, and adds up the totals', async () => {
      const old = [task('m', 0), task('m', 1), task('m', 2), task('m', 3)];
      await ledger.recordNew([...old, task('m', 4)], 'schedule');
      for (const [t, state] of [
        [old[0]!, 'succeeded'],
        [old[1]!, 'insufficient_data'],
        [old[2]!, 'dead'],
        [old[3]!, 'failed'],
      ] as const) {
        await ledger.begin(t, 'executor-1');
        await ledger.finish(t, { state }, { executor: 'executor-1', startedAt: now });
      }
      await ledger.begin(task('m', 5), 'executor-1'); // running
      const cutoff = now + 1;
      now += 10_000;
      const recent = task('m', 6);
      await ledger.begin(recent, 'executor-1');
      await ledger.finish(recent, { state: 'succeeded' }, { executor: 'executor-1', startedAt: now });

      expect(await ledger.pruneFinished(cutoff, 2)).to.deep.equal({ windows: 3, runs: 3 });
      for (const t of old.slice(0, 3)) {
        expect(await ledger.get(t.id)).to.equal(undefined);
        expect(await ledger.runs(t.id)).to.deep.equal([]);
      }
      for (const t of [old[3]!, task('m', 4), task('m', 5), recent]) expect(await ledger.get(t.id), t.id).not.to.equal(undefined);
      expect(await ledger.runs(old[3]!.id)).to.have.length(1);
      expect(await ledger.pruneFinished(cutoff)).to.deep.equal({ windows: 0, runs: 0 });
      expect(await ledger.retentionTotals()).to.deep.equal({ pruned: { windows: 3, runs: 3 }, lastRunAt: now });
    });

    it('names the windows a runner holds (what a crashed executor was running), newest first', async () => {
      await ledger.begin(task('m', 0), 'executor-1');
      now += 1;
      await ledger.begin(task('m', 1), 'executor-1');
      await ledger.begin(task('m', 2), 'executor-2');
      await ledger.finish(task('m', 1), { state: 'succeeded' }, { executor: 'executor-1', startedAt: now });
      now += 1;
      await ledger.begin(task('n', 0), 'executor-1');
      const held = await ledger.heldBy('executor-1');
      expect(held.map((w) => [w.model, w.window.fromMs, w.attempts])).to.deep.equal([
        ['n', T0, 1],
        ['m', T0, 1],
      ]);
    });

    it('remembers the newest tick a scheduler handled', async () => {
      expect(await ledger.schedulerState('default')).to.equal(undefined);
      await ledger.noteSchedulerTick('default', T0);
      now += 1;
      await ledger.noteSchedulerTick('default', T0 + WINDOW);
      expect(await ledger.schedulerState('default')).to.deep.equal({ lastTickMs: T0 + WINDOW, updatedAt: now });
    });
  });
}
