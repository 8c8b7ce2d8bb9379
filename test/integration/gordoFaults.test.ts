import { expect } from 'chai';
import { GordoCycle, plantModels } from './helpers/gordoCycle.js';
import { GordoServer, type GordoFault } from '../servers/gordoServer.js';

const PROJECT = 'plant';
const predictions = (r: { path: string }) => r.path.endsWith('/prediction');

/**
 * Gordo misbehaving during a cycle (`model_info: gordo`, `predictor: gordo`, embedded store): outages,
 * timeouts and dropped connections are retried until every task completes; a model that refuses both
 * prediction endpoints is dead-lettered with the server's message. Protocol tests against the loopback server.
 */
describe('gordo faults during a cycle (protocol)', function () {
  this.timeout(180_000);
  let gordo: GordoServer;
  let cycle: GordoCycle | undefined;

  beforeEach(async () => {
    gordo = await GordoServer.start({ flavour: '0.57' });
  });
  afterEach(async () => {
    await cycle?.close();
    cycle = undefined;
    await gordo.close();
  });

  async function runCycle(label: string, models = plantModels(3), timeout = '5s'): Promise<GordoCycle> {
    gordo.deploy(PROJECT, models);
    cycle = await GordoCycle.create(label, models, {
      model_info: { type: 'gordo', url: gordo.url, projects: [PROJECT] },
      predictor: { type: 'gordo', url: gordo.url, timeout, batch_rows: 100, parallelism: 2 },
    });
    expect((await cycle.runScheduler()).windowsQueued).to.equal(models.length * 4);
    return cycle;
  }

  const faults: [string, GordoFault, string][] = [
    ['answering 503 for a while', { kind: 'status', status: 503, times: 8, match: predictions }, '5s'],
    [
      'answering 502 from the gateway on metadata',
      { kind: 'status', status: 502, times: 3, match: (r) => r.path.endsWith('/metadata') },
      '5s',
    ],
    ['timing out', { kind: 'hang', times: 3, match: predictions }, '300ms'],
    ['closing connections', { kind: 'reset', times: 6, match: (r) => r.path.endsWith('/metadata') || predictions(r) }, '5s'],
  ];
  for (const [what, fault, timeout] of faults) {
    it(`retries tasks while Gordo is ${what}, and completes them all`, async () => {
      gordo.fail(fault);
      const { reader } = await runCycle(`gordo-fault-${fault.kind}`, plantModels(3), timeout);
      await cycle!.drain(2);
      expect(fault.times, 'every injected fault was met').to.equal(0);
      expect(
        reader.windowStates(),
        JSON.stringify(reader.all('SELECT * FROM task_run ORDER BY rowid LIMIT 6')) +
          JSON.stringify(reader.all('SELECT * FROM queue_message LIMIT 2')),
      ).to.deep.equal({ succeeded: 12 });
      expect(reader.count('SELECT COUNT(*) FROM prediction')).to.equal(12 * 30);
    });
  }

  it('dead-letters the windows of a model that answers 422 on both endpoints, quoting the server', async () => {
    const models = plantModels(3, (i) => (i === 0 ? { kind: 'broken' } : i === 1 ? { kind: 'plain' } : {}));
    const { reader } = await runCycle('gordo-422', models);
    await cycle!.drain(2);
    const byModel = reader.all<{ model: string; state: string; error_message: string | null }>(
      'SELECT model, state, error_message FROM prediction_window ORDER BY model',
    );
    const broken = byModel.filter((w) => w.model === models[0]!.name);
    expect(broken.map((w) => w.state)).to.deep.equal(['dead', 'dead', 'dead', 'dead']);
    for (const w of broken)
      expect(w.error_message).to.match(/422 on both \/anomaly\/prediction and \/prediction.*Model is not an AnomalyDetector/);
    expect(reader.count(`SELECT COUNT(*) FROM queue_message WHERE dead_reason LIKE '%Model is not an AnomalyDetector%'`)).to.equal(4);
    // The plain model falls back to /prediction (for that model only) and completes; the anomaly model is untouched.
    expect(byModel.filter((w) => w.model !== models[0]!.name).every((w) => w.state === 'succeeded')).to.equal(true);
    const anomalyCalls = (name: string) => gordo.requests.filter((r) => r.path.endsWith(`/${name}/anomaly/prediction`)).length;
    // Once a 422 is seen, later tasks of that executor go straight to /prediction (tasks already in flight may still meet it).
    expect(anomalyCalls(models[1]!.name)).to.be.within(1, 4);
    expect(gordo.requests.filter((r) => r.path.endsWith(`/${models[1]!.name}/prediction`) && !r.path.includes('anomaly'))).to.have.length(
      4,
    );
    expect(anomalyCalls(models[2]!.name)).to.equal(4);
    expect(gordo.requests.filter((r) => r.path.endsWith(`/${models[2]!.name}/prediction`) && !r.path.includes('anomaly'))).to.have.length(
      0,
    );
  });
});
