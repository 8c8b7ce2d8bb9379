import { expect } from 'chai';
import { listAllModels } from '../../../src/scheduler/listModels.js';
import { abortError, classifyError, describeError, isAbortError, ProviderError, throwIfAborted } from '../../../src/runtime/errors.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { InMemoryModelCatalog } from '../../fakes/InMemoryModelCatalog.js';

const timeoutError = () => new DOMException('the backend did not answer within 5 s', 'TimeoutError');

describe('error classification', () => {
  it('counts only an AbortError as cancellation, not a TimeoutError', () => {
    expect(isAbortError(new DOMException('stopped', 'AbortError'))).to.equal(true);
    expect(isAbortError(timeoutError())).to.equal(false);
    expect(isAbortError(new Error('AbortError'))).to.equal(false);
  });

  it("classifies a provider's own timeout as transient, and a cancellation as aborted", () => {
    expect(classifyError(timeoutError())).to.equal('transient');
    expect(classifyError(new DOMException('stopped', 'AbortError'))).to.equal('aborted');
    expect(classifyError(new ProviderError('down', { retryable: true }))).to.equal('transient');
    expect(classifyError(new ProviderError('rejected', { retryable: false }))).to.equal('permanent');
  });

  it('throws an AbortError carrying the timeout as its cause for a signal that timed out', () => {
    const controller = new AbortController();
    controller.abort(timeoutError());
    let thrown: unknown;
    try {
      throwIfAborted(controller.signal);
    } catch (err) {
      thrown = err;
    }
    expect(isAbortError(thrown)).to.equal(true);
    expect((thrown as Error).cause).to.have.property('name', 'TimeoutError');
    expect(abortError(controller.signal)).to.have.property('name', 'AbortError');
  });

  it("lets a provider's own timeout fail one model listing of a scheduler pass instead of cancelling the pass", async () => {
    const catalog = new InMemoryModelCatalog([{ project: 'p', name: 'm', revision: 'r1' }]);
    catalog.failListing(timeoutError());
    expect(await listAllModels(catalog, silentLogger)).to.deep.equal({ models: [], failures: 1 });
  });
});

describe('describeError', () => {
  it('keeps each message of the cause chain once, also when a message quotes its cause', () => {
    const driver = new Error('the database system is shutting down');
    const translated = new ProviderError(`embedded-queue.receive failed (57P03): ${driver.message}`, { retryable: true, cause: driver });
    expect(describeError(translated)).to.equal('embedded-queue.receive failed (57P03): the database system is shutting down');
    expect(describeError(new Error('outer', { cause: new Error('inner') }))).to.equal('outer: inner');
  });
});
