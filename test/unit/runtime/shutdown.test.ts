import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { installShutdownHandlers, ShutdownController } from '../../../src/runtime/shutdown.js';
import { RecordingLogger } from '../../fakes/RecordingLogger.js';

describe('ShutdownController', () => {
  it('aborts its signal with an AbortError on the first signal and does not exit', () => {
    const exits: number[] = [];
    const log = new RecordingLogger();
    const shutdown = new ShutdownController(log, (code) => exits.push(code));
    expect(shutdown.signal.aborted).to.equal(false);
    shutdown.onSignal('SIGTERM');
    expect(shutdown.signal.aborted).to.equal(true);
    expect((shutdown.signal.reason as Error).name).to.equal('AbortError');
    expect(exits).to.deep.equal([]);
    expect(log.lines.map((l) => [l.level, l.fields.signal])).to.deep.equal([['info', 'SIGTERM']]);
  });

  it('forces exit with 130 on a second SIGINT, logging why', () => {
    const exits: number[] = [];
    const log = new RecordingLogger();
    const shutdown = new ShutdownController(log, (code) => exits.push(code));
    shutdown.onSignal('SIGINT');
    shutdown.onSignal('SIGINT');
    expect(exits).to.deep.equal([130]);
    expect(log.lines.at(-1)).to.include({ level: 'warn' });
    expect(log.lines.at(-1)?.fields.exitCode).to.equal(130);
  });

  it('forces exit with 143 when the second signal is SIGTERM', () => {
    const exits: number[] = [];
    const shutdown = new ShutdownController(new RecordingLogger(), (code) => exits.push(code));
    shutdown.onSignal('SIGINT');
    shutdown.onSignal('SIGTERM');
    expect(exits).to.deep.equal([143]);
  });
});

describe('installShutdownHandlers', () => {
  it('returns a signal that the first SIGINT or SIGTERM of the source aborts', () => {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const source = new EventEmitter();
      const signal = installShutdownHandlers(new RecordingLogger(), { source, exit: () => {} });
      expect(signal.aborted).to.equal(false);
      source.emit(name);
      expect(signal.aborted, name).to.equal(true);
    }
  });

  it('exits on the second signal, once', () => {
    const source = new EventEmitter();
    const exits: number[] = [];
    installShutdownHandlers(new RecordingLogger(), { source, exit: (code) => exits.push(code) });
    source.emit('SIGTERM');
    expect(exits).to.deep.equal([]);
    source.emit('SIGTERM');
    expect(exits).to.deep.equal([143]);
  });

  it('is idempotent: installing twice returns the same signal and adds no listeners', () => {
    const source = new EventEmitter();
    const first = installShutdownHandlers(new RecordingLogger(), { source, exit: () => {} });
    const second = installShutdownHandlers(new RecordingLogger(), { source, exit: () => {} });
    expect(second).to.equal(first);
    expect(source.listenerCount('SIGINT')).to.equal(1);
    expect(source.listenerCount('SIGTERM')).to.equal(1);
  });
});
