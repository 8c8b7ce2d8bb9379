import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLANT_TAGS, plantValues } from '../fixtures/correlatedPlant.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const START_MS = Date.UTC(2026, 0, 5, 0, 0, 0);
const ROWS = 1440; // one day at 1 minute
const FAULT = { from: 900, to: 990 };
const TAGS = ['flow', 'head', 'power'];

/**
 * README "Your own data in five commands", as a user runs it: a CSV with a label column, a model defined over
 * its tags trained on its first 400 rows, the rest backfilled, and `latigo evaluate` printing the F1 that the
 * stored flags and the label column give when counted by hand.
 */
describe('your own data in five commands: CSV with labels to an F1', function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let config: string;
  const processes: CliProcess[] = [];
  const iso = (row: number) => new Date(START_MS + row * 60_000).toISOString();

  before(() => {
    workspace = new Workspace('own-data');
    config = workspace.writeConfig(workspace.testConfig({ executor: { task_timeout: '60s' }, task_queue: { visibility_timeout: '90s' } }));
  });
  after(() => {
    processes.splice(0).forEach((p) => p.kill());
    workspace?.remove();
  });

  it('imports, defines, backfills and evaluates', async () => {
    // The historian's export: semicolon-separated, a datetime column, three tags and the known fault as `anomaly`.
    const lines = ['datetime;flow;head;power;anomaly'];
    for (let row = 0; row < ROWS; row++) {
      const values = plantValues(row, { startMs: START_MS, fault: FAULT });
      lines.push([iso(row), ...values.map((v) => v.toFixed(6)), row >= FAULT.from && row < FAULT.to ? 1 : 0].join(';'));
    }
    const csv = join(workspace.dir, 'plant.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);

    // 1. import; the label column stays out of the sensors and goes to a labels file
    const labelsFile = join(workspace.dir, 'labels.json');
    const imported = await runCli(['--config', config, 'import', csv, '--labels-out', labelsFile], {
      cwd: workspace.dir,
      timeoutMs: 120_000,
    });
    expect(imported.code, imported.stderr + imported.stdout).to.equal(0);
    expect(JSON.parse(readFileSync(labelsFile, 'utf8'))).to.deep.equal({
      anomaly: [{ from: iso(FAULT.from), to: iso(FAULT.to), label: 'anomaly' }],
    });
    expect(PLANT_TAGS).to.have.length(TAGS.length);

    // 2. define, trained on the first 400 rows
    const define = await runCli(
      ['--config', config, 'models', 'define', '--name', 'pump', '--tags', TAGS.join(','), '--resolution', '1m', '--first-rows', '400'],
      { cwd: workspace.dir, timeoutMs: 120_000 },
    );
    expect(define.code, define.stderr + define.stdout).to.equal(0);
    expect(define.stdout)
      .to.contain(`defined default/pump revision`)
      .and.to.contain(`training on [${iso(0)}, ${iso(400)})`);
    expect(define.stdout).to.contain('trained 1, already trained 0, failed 0');

    // 3. an executor; 4. backfill the rest and wait for it
    processes.push(startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir }));
    const backfill = await runCli(
      ['--config', config, 'backfill', '--model', 'default/pump', '--from', iso(400), '--to', iso(ROWS), '--wait'],
      { cwd: workspace.dir, timeoutMs: 240_000 },
    );
    expect(backfill.code, backfill.stderr + backfill.stdout).to.equal(0);

    // 5. evaluate against the imported label column's intervals
    const evaluate = await runCli(['--config', config, 'evaluate', '--model', 'default/pump', '--labels', labelsFile], {
      cwd: workspace.dir,
      timeoutMs: 60_000,
    });
    expect(evaluate.code, evaluate.stderr).to.equal(0);
    const printed = /point-wise\s+precision (\S+)\s+recall (\S+)\s+F1 (\S+)/.exec(evaluate.stdout);
    expect(printed, evaluate.stdout).to.not.equal(null);

    // The same F1 counted by hand from the stored flags and the label column.
    const reader = new DatabaseReader(workspace.databasePath);
    try {
      const stored = reader.all<{ time_ms: number; is_anomaly: number }>(
        "SELECT time_ms, is_anomaly FROM prediction WHERE project = 'default' AND model = 'pump' ORDER BY time_ms",
      );
      const labelled = (t: number) => {
        const row = (t - START_MS) / 60_000;
        return row >= FAULT.from && row < FAULT.to;
      };
      const tp = stored.filter((r) => r.is_anomaly && labelled(r.time_ms)).length;
      const fp = stored.filter((r) => r.is_anomaly && !labelled(r.time_ms)).length;
      const fn = stored.filter((r) => !r.is_anomaly && labelled(r.time_ms)).length;
      const precision = tp / (tp + fp);
      const recall = tp / (tp + fn);
      expect(stored.length).to.be.greaterThan(900);
      expect(printed![1]).to.equal(precision.toFixed(3));
      expect(printed![2]).to.equal(recall.toFixed(3));
      expect(printed![3]).to.equal(((2 * precision * recall) / (precision + recall)).toFixed(3));
      expect(Number(printed![3])).to.be.greaterThan(0.5);
      expect(evaluate.stdout).to.match(/events\s+1 of 1 detected/);
    } finally {
      reader.close();
    }
  });
});
