import { expect } from 'chai';
import { describeError } from '../../../src/runtime/errors.js';
import { runCli, startCli, type CliProcess } from './cli.js';
import { seedFleet, type Fleet, type FleetSpec } from './fleet.js';
import { PostgresReader } from './postgres.js';
import { auditWindowsSql, groupStoredTimes, modelKey, storedTimesSql, timeGrid, type WindowAudit } from './predictions.js';
import { waitFor } from './sqlite.js';
import { Workspace } from './workspace.js';

export interface FleetRunOptions extends FleetSpec {
  /** Scheduler interval = window length; must divide the fleet's 1 h prediction range. */
  intervalMs: number;
  /** Per-section overrides of Workspace.testConfig (snake_case, as in the YAML). */
  sections?: Record<string, Record<string, unknown>>;
}

/**
 * One prediction run of a seeded fleet on a PostgreSQL database through the `latigo` command: `backfill`
 * queues every window of the fleet's prediction range, `executor` processes drain it, and `expectExactlyOnce`
 * audits the result. The PostgreSQL counterpart of pipeline.test.ts's flow; the fleet, the audit SQL and the
 * grid come from the same helpers.
 */
export class PostgresFleetRun {
  readonly reader: PostgresReader;
  /** Every executor started, by name, so `dispose` can stop any a failed test left running. */
  readonly executors = new Map<string, CliProcess>();
  readonly windows: number;
  readonly rowsPerWindow: number;

  private constructor(
    readonly workspace: Workspace,
    readonly config: string,
    readonly fleet: Fleet,
    readonly url: string,
    intervalMs: number,
  ) {
    this.reader = new PostgresReader(url);
    this.windows = fleet.models.length * ((fleet.predictionRange.toMs - fleet.predictionRange.fromMs) / intervalMs);
    this.rowsPerWindow = intervalMs / fleet.resolutionMs;
  }

  /** Seeds the fleet into the (migrated, empty) database at `url` and writes the configuration pointing to it. */
  static async seed(url: string, label: string, options: FleetRunOptions): Promise<PostgresFleetRun> {
    const workspace = new Workspace(label);
    const { intervalMs, sections = {}, ...spec } = options;
    const config = workspace.writeConfig(
      workspace.testConfig({
        ...sections,
        database: { url, ...sections.database },
        // Backfill keeps at most 2 x batch_size windows queued: room for the whole range, so it returns at once.
        scheduler: { interval: intervalMs, batch_size: 10_000, ...sections.scheduler },
      }),
    );
    try {
      return new PostgresFleetRun(workspace, config, await seedFleet(url, spec), url, intervalMs);
    } catch (err) {
      workspace.remove();
      throw err;
    }
  }

  /** `latigo backfill` over the prediction range: every window queued. */
  async backfill(): Promise<void> {
    const { fromMs, toMs } = this.fleet.predictionRange;
    const result = await runCli(
      ['--config', this.config, 'backfill', '--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString()],
      { cwd: this.workspace.dir, timeoutMs: 60_000 },
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(
      `backfill done: ${this.windows} windows of ${this.fleet.models.length} model(s); ${this.windows} queued`,
    );
    expect(await this.reader.count('SELECT COUNT(*) FROM queue_message')).to.equal(this.windows);
  }

  startExecutor(name: string): CliProcess {
    const executor = startCli(['--config', this.config, 'executor', '--name', name], { cwd: this.workspace.dir });
    this.executors.set(name, executor);
    return executor;
  }

  running(): [string, CliProcess][] {
    return [...this.executors].filter(([, e]) => e.child.exitCode === null && e.child.signalCode === null);
  }

  async succeeded(): Promise<number> {
    return this.reader.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`);
  }

  /**
   * Waits until every window finished and the queue is empty. With `tolerateErrors` a failing poll (the
   * server is restarting) counts as "not yet" instead of failing the test.
   */
  async waitForDrain(options: { stallMs?: number; tolerateErrors?: boolean } = {}): Promise<void> {
    let states: Record<string, number> = {};
    let queued = -1;
    let lastError: unknown;
    const drained = async () => {
      try {
        states = await this.reader.windowStates();
        queued = await this.reader.count('SELECT COUNT(*) FROM queue_message');
        return queued === 0 && !states.queued && !states.running;
      } catch (err) {
        if (!options.tolerateErrors) throw err;
        lastError = err;
        return false;
      }
    };
    // No fixed budget: a loaded machine drains slower, not never. The run fails only when no window has
    // finished for `stallMs` (long enough for leases of killed executors to expire and a server to restart).
    const finished = () => (states.succeeded ?? 0) + (states.insufficient_data ?? 0) + (states.dead ?? 0);
    await waitFor(drained, {
      intervalMs: 200,
      progress: { done: finished, total: this.windows, stallMs: options.stallMs ?? 60_000 },
      describe: () =>
        `the queue to drain: windows ${JSON.stringify(states)}, ${queued} message(s) left` +
        `${lastError === undefined ? '' : `; a poll failed with: ${describeError(lastError)}`}\n${this.output()}`,
    });
  }

  /** SIGTERM to every running executor; each must drain and exit 0. */
  async stopExecutors(): Promise<void> {
    const running = this.running();
    for (const [, executor] of running) executor.child.kill('SIGTERM');
    for (const [name, executor] of running) {
      const exit = await executor.untilExit(20_000);
      expect(exit.code, `${name} exit\n${exit.stderr.slice(-3000)}`).to.equal(0);
    }
  }

  /**
   * The exactly-once effect: every window succeeded, by exactly one successful run whose row count is what
   * is stored for it; every model has exactly the timestamps of the range (none missing, none extra, none
   * of another model); the queue is empty (nothing dead-lettered).
   */
  async expectExactlyOnce(): Promise<void> {
    expect(await this.reader.windowStates()).to.deep.equal({ succeeded: this.windows });
    expect(await this.reader.count('SELECT COUNT(*) FROM prediction')).to.equal(this.windows * this.rowsPerWindow);
    const times = groupStoredTimes(await this.reader.all(storedTimesSql));
    expect([...times.keys()].sort()).to.deep.equal(this.fleet.models.map(modelKey).sort());
    const grid = timeGrid(this.fleet.predictionRange, this.fleet.resolutionMs);
    for (const [model, stored] of times) expect(stored, model).to.deep.equal(grid);
    const off = (await this.reader.all<WindowAudit>(auditWindowsSql)).filter(
      (w) =>
        w.state !== 'succeeded' ||
        Number(w.succeeded_runs) !== 1 ||
        w.rows_written !== this.rowsPerWindow ||
        Number(w.stored) !== this.rowsPerWindow,
    );
    if (off.length > 0) {
      const runs = await this.reader.all(
        `SELECT task_id, attempt, executor, status, error_class, error_message, rows_written FROM task_run
        WHERE task_id IN (${off
          .slice(0, 5)
          .map(() => '?')
          .join(', ')}) ORDER BY task_id, id`,
        ...off.slice(0, 5).map((w) => w.task_id),
      );
      expect.fail(
        `${off.length} window(s) not done exactly once; the first: ${JSON.stringify(off.slice(0, 5))}; their runs: ${JSON.stringify(runs)}`,
      );
    }
    expect(await this.reader.count(`SELECT COUNT(*) FROM task_run WHERE status = 'succeeded'`)).to.equal(this.windows);
    expect(await this.reader.count('SELECT COUNT(*) FROM queue_message')).to.equal(0);
  }

  /** The last lines of every executor's output, for failure messages. */
  output(): string {
    return [...this.executors].map(([name, e]) => `--- ${name}\n${(e.stderr + e.stdout).slice(-1500)}`).join('\n');
  }

  async dispose(): Promise<void> {
    for (const executor of this.executors.values()) executor.kill();
    await this.reader.close();
    this.workspace.remove();
  }
}
