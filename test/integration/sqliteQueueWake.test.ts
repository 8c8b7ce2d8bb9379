import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { DatabaseTaskQueue } from '../../providers/database-queue/DatabaseTaskQueue.js';
import { parseEmbeddedQueueConfig } from '../../providers/database-queue/config.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { openWorkspaceDatabase } from './helpers/fleet.js';
import { Workspace } from './helpers/workspace.js';

// An on-demand run's window must reach an idle executor at once, not at its next poll (issue 13).
describe('database queue on SQLite wakes waiting receivers on a write', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  beforeEach(() => {
    workspace = new Workspace('sqlite-wake');
  });
  afterEach(() => workspace.remove());

  it('a receive waiting with a 60 s poll interval returns soon after another connection sends', async () => {
    const receiverDb = await openWorkspaceDatabase(workspace.databasePath);
    const senderDb = await openWorkspaceDatabase(workspace.databasePath);
    try {
      const config = parseEmbeddedQueueConfig({ poll_interval: '60s' }, 'task_queue');
      const receiver = new DatabaseTaskQueue(receiverDb, config, silentLogger, { owner: 'executor-1', clock: Date.now });
      const sender = new DatabaseTaskQueue(senderDb, config, silentLogger, { owner: 'scheduler', clock: Date.now });
      const started = performance.now();
      const receiving = receiver.receive({ maxMessages: 1, waitMs: 90_000 });
      // The receiver has looked once and waits; the send is another connection's write to the file.
      setTimeout(() => void sender.send([{ id: 'task-1', body: 'body' }]), 200);
      const received = await receiving;
      const elapsedMs = performance.now() - started;
      expect(received.map((m) => m.id)).to.deep.equal(['task-1']);
      // Woken by the write, not by the poll: far less than the poll interval even on a loaded machine.
      expect(elapsedMs).to.be.below(30_000);
    } finally {
      await receiverDb.close();
      await senderDb.close();
    }
  });
});
