import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { lcg } from './helpers/fleet.js';
import { PostgresFleetRun } from './helpers/postgresFleet.js';
import { useThrowawayPostgres } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';

/** The run of postgresFleet.test.ts (500 models x 10 windows = 5,000 tasks), with two executors killed in it. */
const MODELS = 500;
const INTERVAL_MS = 6 * 60_000;
const EXECUTORS = ['executor-1', 'executor-2', 'executor-3', 'executor-4'];

/** What a killed executor left behind. */
interface Victim {
  name: string;
  killedAt: number;
  /** Messages it held a lease on, and when each lease ends. */
  leased: { id: string; visible_at: number }[];
  /** Windows it had begun ('running', their message leased by it) and not finished. */
  begun: string[];
}

describe('PostgreSQL: kill -9 of random executors while 4 executors drain 5,000 tasks', function () {
  // No mocha budget: every wait in it fails when progress stalls (helpers/wait.ts), however slow the machine.
  this.timeout(0);
  const server = useThrowawayPostgres();
  let run: PostgresFleetRun | undefined;
  // Which executors die, and when, is random; the seed in every failure message replays the choice.
  const seed = Number(process.env.LATIGO_TEST_SEED) || Date.now() % 1_000_000;
  const random = lcg(seed);

  afterEach(async () => {
    await run?.dispose();
  });

  it("completes every task exactly once, each killed executor's tasks redone by others after their leases expired", async () => {
    const fleet = await PostgresFleetRun.seed(server.url, 'pg-kill', {
      models: MODELS,
      tagsPerModel: 2,
      intervalMs: INTERVAL_MS,
      // Short leases, so the dead executors' tasks come back within the test; tasks time out before their leases.
      sections: { executor: { concurrency: 16, task_timeout: '2s' }, task_queue: { visibility_timeout: '4s' } },
    });
    run = fleet;
    await fleet.backfill();
    for (const name of EXECUTORS) fleet.startExecutor(name);

    const [first, second] = shuffle(EXECUTORS, random);
    const victims: Victim[] = [];
    // Each dies at a random point of the run, while it holds leases, and a fresh executor takes its place.
    victims.push(await kill(fleet, first!, Math.floor(fleet.windows * (0.1 + 0.25 * random()))));
    fleet.startExecutor('executor-5');
    victims.push(await kill(fleet, second!, Math.floor(fleet.windows * (0.4 + 0.25 * random()))));
    fleet.startExecutor('executor-6');

    await fleet.waitForDrain();
    const survivors = EXECUTORS.filter((name) => name !== first && name !== second).concat('executor-5', 'executor-6');
    expect(
      fleet
        .running()
        .map(([name]) => name)
        .sort(),
      'executors running after the drain',
    ).to.deep.equal(survivors.sort());
    await fleet.stopExecutors();

    await fleet.expectExactlyOnce().catch((err: Error) => {
      throw new Error(`${err.message} (seed ${seed})`);
    });
    for (const victim of victims) {
      // The windows it had begun were finished by another executor, as a later attempt; and nothing it held was lost
      // (every window succeeded, above), whether it was redone or only its ack was missing.
      const finishers = await fleet.reader.all<{ task_id: string }>(
        `SELECT DISTINCT task_id FROM task_run WHERE status = 'succeeded' AND executor <> ? AND attempt >= 2
         AND task_id IN (${victim.begun.map(() => '?').join(', ')}) ORDER BY task_id`,
        victim.name,
        ...victim.begun,
      );
      expect(
        finishers.map((r) => r.task_id),
        `${victim.name}'s begun windows finished by others (seed ${seed})`,
      ).to.deep.equal(victim.begun);
      // No other executor took a message it held before that lease ended (SKIP LOCKED skips, never steals).
      const early = [];
      for (const lease of victim.leased) {
        early.push(
          ...(await fleet.reader.all(
            `SELECT task_id, executor, started_at, ? AS lease_ends FROM task_run
          WHERE task_id = ? AND executor <> ? AND started_at >= ? AND started_at < ?`,
            lease.visible_at,
            lease.id,
            victim.name,
            victim.killedAt,
            lease.visible_at,
          )),
        );
      }
      expect(early, `runs of ${victim.name}'s messages started before its leases ended (seed ${seed})`).to.deep.equal([]);
    }
  });

  /** Waits until `done` windows succeeded and `name` holds leases on begun windows, then SIGKILLs it. */
  async function kill(fleet: PostgresFleetRun, name: string, done: number): Promise<Victim> {
    const executor = fleet.executors.get(name)!;
    const begunSql = `SELECT w.task_id FROM prediction_window w JOIN queue_message q ON q.id = w.task_id
      WHERE w.state = 'running' AND q.lease_owner = ? AND q.dead_at IS NULL AND q.visible_at > ? ORDER BY w.task_id`;
    let progress = '';
    await waitFor(
      async () => {
        const succeeded = await fleet.succeeded();
        const begun = await fleet.reader.count(`SELECT COUNT(*) FROM (${begunSql}) b`, name, Date.now());
        progress = `${succeeded} succeeded, ${begun} begun by ${name}`;
        return succeeded >= done && begun >= 3;
      },
      {
        intervalMs: 20,
        progress: { done: () => fleet.succeeded(), total: done, stallMs: 60_000 },
        describe: () => `${done} windows done and ${name} in the middle of tasks (${progress}; seed ${seed})\n${fleet.output()}`,
      },
    );
    const killedAt = Date.now();
    executor.child.kill('SIGKILL');
    expect((await executor.untilExit(10_000)).signal).to.equal('SIGKILL');
    // A statement it sent just before dying still runs to its end on the server: let those land first.
    await sleep(250);
    const leased = await fleet.reader.all<{ id: string; visible_at: number }>(
      'SELECT id, visible_at FROM queue_message WHERE lease_owner = ? AND dead_at IS NULL AND visible_at > ?',
      name,
      killedAt,
    );
    const begun = (await fleet.reader.all<{ task_id: string }>(begunSql, name, killedAt)).map((r) => r.task_id);
    expect(begun.length, `windows ${name} had begun at its death`).to.be.greaterThan(0);
    return { name, killedAt, leased, begun };
  }
});

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
