import { expect } from 'chai';
import { providerCatalog } from '../../../src/composition/registry.js';
import { ConfigError, ProviderError } from '../../../src/runtime/errors.js';

// The registry loads providers with import(). Were the test files loaded through require() (mocha's
// default where Node has require(esm)), the providers would get a second copy of every src/ module and
// `instanceof ProviderError` would fail across the two: a retryable error would be classed as permanent.
// .mocharc.json turns require(esm) off so that mocha imports test files; this guards that setting.
describe('the test run loads one copy of each module', () => {
  it('gives statically and dynamically imported modules the same classes', async () => {
    const dynamic = await import('../../../src/runtime/errors.js');
    expect(dynamic.ProviderError).to.equal(ProviderError);
  });

  it('gives providers loaded through the registry the same error classes as the tests', async () => {
    const queue = (await providerCatalog.task_queue.embedded()).sections.task_queue!;
    expect(() => queue.parseConfig({ visibility_timeout: 'soon' }, 'task_queue')).to.throw(ConfigError);
  });
});
