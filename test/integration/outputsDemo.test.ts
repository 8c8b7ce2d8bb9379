import { expect } from 'chai';
import { WebhookReceiver, type ReceivedRequest } from '../servers/webhookReceiver.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const STALL_GUARD_MS = 300_000;

interface Fault {
  sensor: string;
  from_ms: number;
  to_ms: number;
}

interface EpisodeEventRow {
  id: number;
  model: string;
  payload: string;
}

const eventIdOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { id: number }).id;
/** The api child's pids, in the order the supervisor started them (JSON log records of `latigo start`). */
const apiPids = (stdout: string) => [...stdout.matchAll(/"child":"api","pid":(\d+)/g)].map((m) => Number(m[1]));

/**
 * Acceptance (issue 19): the episodes of the demo plant's injected faults, found by the real executors of
 * `latigo start --demo`, reach a real receiver once each (per delivery id, which a receiver deduplicates on),
 * although the receiver fails its first three requests with 500 and the api process is killed midway (the
 * supervisor restarts it; whichever api process sends a delivery, the outbox cursor and leases hold).
 */
describe('outputs on the demo plant: episode events of injected faults at a real receiver, through 500s and an api restart', function () {
  this.timeout(STALL_GUARD_MS * 3);
  let workspace: Workspace;
  let start: CliProcess;
  let receiver: WebhookReceiver;
  let db: DatabaseReader;
  const output = () => `${start.stdout.slice(-3000)}\n${start.stderr.slice(-2000)}`;

  before(async () => {
    workspace = new Workspace('outputs-demo');
    receiver = await WebhookReceiver.start((_r, n) => (n <= 3 ? { status: 500, body: 'overloaded' } : { status: 200 }));
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        demo: { assets: 2, tags_per_asset: 6, history: '10h', training: '6h', resolution: '60s', faults_per_asset: 2 },
        outputs: {
          allowed_hosts: ['127.0.0.1'],
          poll_interval: 100,
          lease_margin: '2s',
          retry: { initial_interval: 100, maximum_interval: 1_000, maximum_attempts: 30 },
          definitions: [{ id: 'maintenance', url: `${receiver.url}/episodes`, filter: { events: ['episode'] } }],
        },
      }),
    );
    start = startCli(['--config', config, 'start', '--demo', '--status-interval', '1000'], { cwd: workspace.dir });
    await waitFor(() => apiPids(start.stdout).length > 0 && /API and docs at/.test(start.stdout), {
      timeoutMs: STALL_GUARD_MS,
      describe: () => `latigo start --demo to start its api\n${output()}`,
    });
    db = new DatabaseReader(workspace.databasePath);
  });

  after(async () => {
    db?.close();
    if (start !== undefined) {
      start.child.kill('SIGINT');
      await start.untilExit(60_000).catch(() => start.kill());
    }
    await receiver?.close();
    workspace?.remove();
  });

  it('delivers every episode event once per delivery id, whichever api process sent it', async () => {
    // A new database's outputs start at the outbox's start (the output tables' migration sets the cursor),
    // so the episode events executors appended before the api's first start are owed too.
    const episodeEvents = () => db.all<EpisodeEventRow>(`SELECT id, model, payload FROM event WHERE type = 'episode' ORDER BY id`);
    // The first deliveries got through the three 500s: kill the api midway; the supervisor starts another.
    await waitFor(() => receiver.accepted().length > 0, {
      timeoutMs: STALL_GUARD_MS,
      describe: () => `a first accepted delivery (${receiver.requests.length} requests)\n${output()}`,
    });
    const [first] = apiPids(start.stdout);
    process.kill(first!, 'SIGKILL');
    await waitFor(() => apiPids(start.stdout).length > 1, {
      timeoutMs: STALL_GUARD_MS,
      describe: () => `the supervisor to restart the api\n${output()}`,
    });

    // The catch-up of the predicted hours is done (2 models, 4 h of 10-minute windows) and every episode
    // event the executors appended reached the receiver.
    const delivered = () => new Set(receiver.accepted().map(eventIdOf));
    await waitFor(
      () =>
        db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`) >= 2 * 24 &&
        episodeEvents().every((e) => delivered().has(e.id)),
      {
        timeoutMs: STALL_GUARD_MS,
        describe: () =>
          `windows succeeded: ${db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`)}; ` +
          `episode events ${episodeEvents().length}, delivered ${delivered().size}\n${output()}`,
      },
    );
    const events = episodeEvents();
    expect(receiver.requests.slice(0, 3).map((r) => r.status)).to.deep.equal([500, 500, 500]);
    // The 500s were retried with the same delivery id.
    const failedIds = new Set(receiver.requests.slice(0, 3).map((r) => r.headers['x-latigo-delivery']));
    for (const id of failedIds) expect(receiver.accepted().some((r) => r.headers['x-latigo-delivery'] === id)).to.equal(true);
    // Once each: one delivery id per event, and nothing for an event that is not an episode's.
    const idsByEvent = new Map<number, Set<string>>();
    for (const r of receiver.accepted()) {
      const ids = idsByEvent.get(eventIdOf(r)) ?? new Set<string>();
      ids.add(String(r.headers['x-latigo-delivery']));
      idsByEvent.set(eventIdOf(r), ids);
    }
    expect([...idsByEvent.keys()].sort((a, b) => a - b)).to.deep.equal(events.map((e) => e.id));
    for (const [id, ids] of idsByEvent) expect(ids.size, `event ${id}'s delivery ids`).to.equal(1);
    const duplicates = receiver.accepted().length - idsByEvent.size;
    expect(duplicates, 'at most the deliveries in flight when the api was killed are sent twice').to.be.at.most(4);

    // The episodes of the injected faults were opened, and those events reached the receiver.
    const types = new Set(receiver.accepted().map((r) => String(r.headers['x-latigo-event'])));
    expect(
      [...types].every((t) => t.startsWith('episode.')),
      JSON.stringify([...types]),
    ).to.equal(true);
    expect([...types]).to.include('episode.opened');
    const faults = db.all<Fault>(`SELECT sensor, from_ms, to_ms FROM demo_fault`);
    const opened = receiver
      .accepted()
      .filter((r) => r.headers['x-latigo-event'] === 'episode.opened')
      .map((r) => (JSON.parse(r.body) as { data: { start: string; lastAnomalyEnd: string } }).data);
    const overlapping = opened.filter((e) =>
      faults.some((f) => Date.parse(e.start) < Number(f.to_ms) && Date.parse(e.lastAnomalyEnd) >= Number(f.from_ms)),
    );
    expect(overlapping.length, `opened episodes overlapping one of ${faults.length} injected faults`).to.be.above(0);
  });
});
