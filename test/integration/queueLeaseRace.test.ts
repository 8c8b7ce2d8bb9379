import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/cli.js';
import { openWorkspaceDatabase, sendTaskMessages } from './helpers/fleet.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const MESSAGES = 2_000;
const PROCESSES = 4;
/** Small leases make many rounds of contention: about 500 lease statements racing across the processes. */
const PER_RECEIVE = 4;

interface Worker {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

/**
 * The embedded queue's lease under real concurrency: separate processes, each with its own connection to one
 * SQLite file, lease and ack from the same queue at once (better-sqlite3 is synchronous, so connections in one
 * process never interleave their statements). Every message must go to exactly one of them.
 */
describe('embedded queue: processes leasing from one SQLite file', function () {
  // Generous on purpose: the waits inside fail on a stall, not on slowness; this only catches a hang.
  this.timeout(600_000);
  let workspace: Workspace;
  const workers: Worker[] = [];

  before(() => {
    workspace = new Workspace('lease-race');
  });
  after(() => {
    for (const worker of workers.splice(0))
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    workspace?.remove();
  });

  it(`leases each of ${MESSAGES} messages exactly once across ${PROCESSES} processes`, async () => {
    await (await openWorkspaceDatabase(workspace.databasePath)).close(); // migrated before any worker opens it
    const ids = Array.from({ length: MESSAGES }, (_, i) => `m-${String(i).padStart(5, '0')}`);
    expect(
      await sendTaskMessages(
        workspace.databasePath,
        ids.map((id) => ({ id, body: `message ${id}` })),
      ),
    ).to.equal(MESSAGES);

    for (let p = 1; p <= PROCESSES; p++) workers.push(startWorker(workspace.databasePath, `worker-${p}`));
    // Every process has its connection open before any leases: they race from the first statement.
    // Process start-up is slow on a loaded machine: wait while workers keep coming up, fail if none does for a minute.
    const ready = () => workers.filter((w) => w.stdout.startsWith('ready\n')).length;
    await waitFor(() => ready() === workers.length, {
      progress: { done: ready, total: workers.length, stallMs: 60_000 },
      describe: () => `workers to be ready:\n${workers.map((w) => w.stderr).join('\n')}`,
    });
    for (const worker of workers) worker.child.stdin!.end('go\n');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes, workers.map((w) => w.stderr).join('\n')).to.deep.equal(workers.map(() => 0));

    const results = workers.map((w) => JSON.parse(w.stdout.slice('ready\n'.length)) as { leased: string[]; unsettled: string[] });
    const leased = results.flatMap((r) => r.leased);
    expect(leased, 'leases in total').to.have.length(MESSAGES);
    expect([...leased].sort(), 'every message once').to.deep.equal(ids);
    expect(
      results.flatMap((r) => r.unsettled),
      'acks refused',
    ).to.deep.equal([]);
    // The race really happened: each process won a share of the leases.
    for (const [i, result] of results.entries()) expect(result.leased.length, `worker-${i + 1}'s leases`).to.be.greaterThan(0);

    const reader = new DatabaseReader(workspace.databasePath);
    try {
      expect(reader.count('SELECT COUNT(*) FROM queue_message')).to.equal(0);
    } finally {
      reader.close();
    }
  });

  function startWorker(databasePath: string, owner: string): Worker {
    const loader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(
      process.execPath,
      ['--import', loader, join(repoRoot, 'test/integration/helpers/leaseWorker.ts'), databasePath, owner, String(PER_RECEIVE)],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const worker: Worker = {
      child,
      stdout: '',
      stderr: '',
      exited: new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code) => resolve(code));
      }),
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      worker.stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      worker.stderr += chunk;
    });
    return worker;
  }
});
