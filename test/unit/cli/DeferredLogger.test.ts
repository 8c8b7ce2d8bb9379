import { expect } from 'chai';
import { DeferredLogger } from '../../../src/cli/stopSignal.js';
import { RecordingLogger } from '../../fakes/RecordingLogger.js';

describe('DeferredLogger', () => {
  it('replays lines logged before attach, in order, with their fields', () => {
    const early = new DeferredLogger();
    early.warn('first', { n: 1 });
    early.info('second');
    const target = new RecordingLogger();
    early.attach(target);
    early.error('third', { n: 3 });
    expect(target.lines).to.deep.equal([
      { level: 'warn', message: 'first', fields: { n: 1 } },
      { level: 'info', message: 'second', fields: {} },
      { level: 'error', message: 'third', fields: { n: 3 } },
    ]);
  });

  it('keeps the fields of a child taken before attach, on lines logged before and after attach', () => {
    const early = new DeferredLogger();
    const child = early.child({ component: 'shutdown' });
    const grandchild = child.child({ signal: 'SIGTERM' });
    child.warn('stopping', { pending: 2 });
    grandchild.info('signal received', { component: 'override' });
    const target = new RecordingLogger();
    early.attach(target);
    child.debug('after attach');
    expect(target.lines).to.deep.equal([
      { level: 'warn', message: 'stopping', fields: { component: 'shutdown', pending: 2 } },
      { level: 'info', message: 'signal received', fields: { component: 'override', signal: 'SIGTERM' } },
      { level: 'debug', message: 'after attach', fields: { component: 'shutdown' } },
    ]);
  });

  it("hands out the target's own child after attach", () => {
    const early = new DeferredLogger();
    const target = new RecordingLogger();
    early.attach(target);
    early.child({ component: 'executor' }).info('ready');
    expect(target.lines).to.deep.equal([{ level: 'info', message: 'ready', fields: { component: 'executor' } }]);
  });
});
