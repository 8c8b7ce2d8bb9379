import { expect } from 'chai';
import { evaluateReadiness, providerChecks } from '../../../src/observability/readiness.js';
import { ProviderError } from '../../../src/runtime/errors.js';

describe('evaluateReadiness', () => {
  it('is ready when every check passes', async () => {
    const report = await evaluateReadiness([{ name: 'database', check: async () => {} }], { timeoutMs: 1_000 });
    expect(report).to.deep.equal({ ready: true, checks: { database: 'ok' } });
  });

  it('names the failing check and why, without a stack trace', async () => {
    const report = await evaluateReadiness(
      [
        { name: 'database', check: async () => {} },
        {
          name: 'queue',
          check: async () => {
            throw new ProviderError('queue.depth failed: connection refused', { retryable: true });
          },
        },
      ],
      { timeoutMs: 1_000 },
    );
    expect(report).to.deep.equal({ ready: false, checks: { database: 'ok', queue: 'failed: queue.depth failed: connection refused' } });
  });

  it('reports a check that does not answer within the timeout', async () => {
    const report = await evaluateReadiness([{ name: 'database', check: () => new Promise(() => {}) }], { timeoutMs: 20 });
    expect(report).to.deep.equal({ ready: false, checks: { database: 'no answer within 20 ms' } });
  });

  it('is not ready once the process is stopping', async () => {
    const stopping = new AbortController();
    stopping.abort();
    const report = await evaluateReadiness([], { timeoutMs: 1_000, stopping: stopping.signal });
    expect(report).to.deep.equal({ ready: false, checks: { process: 'stopping' } });
  });
});

describe('providerChecks', () => {
  it('runs the health checks the providers declare, under their names', async () => {
    const calls: string[] = [];
    const report = await evaluateReadiness(
      providerChecks([
        {
          name: 'queue',
          check: async () => {
            calls.push('queue');
          },
        },
      ]),
      { timeoutMs: 1_000 },
    );
    expect(calls).to.deep.equal(['queue']);
    expect(report).to.deep.equal({ ready: true, checks: { queue: 'ok' } });
  });

  it('reports a queue that declares no health check as not checked, and ready', async () => {
    const report = await evaluateReadiness(providerChecks([]), { timeoutMs: 1_000 });
    expect(report).to.deep.equal({ ready: true, checks: { queue: 'not checked' } });
  });
});
