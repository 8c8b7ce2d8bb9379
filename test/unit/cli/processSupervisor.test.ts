import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { ProcessSupervisor, type RestartPolicy } from '../../../src/cli/processSupervisor.js';
import { RecordingLogger } from '../../fakes/RecordingLogger.js';

// Issue 14: a crash loop (an executor out of memory, a window that crashes it) used to stop the whole
// service after five quick deaths. Now only an invalid configuration (exit 2) gives up; any other loop is
// restarted after a longer wait, each death logged with what the child held.
const quick: RestartPolicy = { initialDelayMs: 1, maximumDelayMs: 2, stableAfterMs: 60_000, maximumQuickFailures: 2, crashLoopDelayMs: 5 };

function supervisor(exitCode: number, log: RecordingLogger) {
  return new ProcessSupervisor({
    command: [process.execPath, '-e', `process.exit(${exitCode})`],
    env: process.env,
    log,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    restart: quick,
    stopTimeoutMs: 1_000,
    describeDeath: async (name) => ({
      heldWindows: [`${name} held plant/pump [2026-01-01T00:00:00.000Z, 2026-01-01T00:10:00.000Z) attempt 3`],
    }),
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('ProcessSupervisor crash loops', function () {
  this.timeout(60_000);

  it('keeps restarting a child that keeps crashing, with the longer wait, naming the windows it held', async () => {
    const log = new RecordingLogger();
    const stop = new AbortController();
    const deaths = () =>
      log.withMessage('child process exited unexpectedly; restarting').length +
      log.withMessage('child process keeps dying; restarting after a longer wait').length;
    const outcome = supervisor(1, log).run([{ name: 'executor-1', args: [] }], stop.signal);
    await until(() => deaths() >= 6); // three times past maximumQuickFailures
    stop.abort();
    expect(await outcome).to.deep.equal({ stopped: true });
    expect(log.withMessage('child process keeps dying; giving up')).to.deep.equal([]);
    const looping = log.withMessage('child process keeps dying; restarting after a longer wait');
    expect(looping.length).to.be.at.least(3);
    expect(looping[0]!.fields).to.include({ child: 'executor-1', restartInMs: 5 });
    expect(looping[0]!.fields.heldWindows).to.deep.equal([
      'executor-1 held plant/pump [2026-01-01T00:00:00.000Z, 2026-01-01T00:10:00.000Z) attempt 3',
    ]);
  });

  it('gives up on a child that keeps exiting with an invalid configuration (exit 2)', async () => {
    const log = new RecordingLogger();
    const outcome = await supervisor(2, log).run([{ name: 'scheduler', args: [] }], new AbortController().signal);
    expect(outcome).to.deep.include({ stopped: false });
    expect((outcome as { reason: string }).reason).to.match(/^scheduler exited 3 times in a row .*\(last: code 2\)$/);
  });
});
