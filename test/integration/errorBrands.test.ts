import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContainer } from '../../src/composition/container.js';
import { providerCatalog } from '../../src/composition/registry.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { parseAppConfig } from '../../src/config/loadConfig.js';
import { classifyError, ProviderError } from '../../src/runtime/errors.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { withRetry } from '../../src/runtime/retry.js';
import { repoRoot } from './helpers/cli.js';

/**
 * A third-party provider that bundles its own copy of latigo: its `latigo` resolves to a second copy of the
 * built package (dist/src copied into a node_modules of its own), so its ProviderError is another class
 * than ours. Errors are recognised by brand, so its outage is still transient and retried.
 */
const providerSource = `
import { ProviderError, bucketStarts, defineProvider, emptyQualityCounts } from 'latigo';

let calls = 0;
export default defineProvider({
  name: 'flaky',
  sections: {
    sensor_data: {
      parseConfig: () => ({}),
      create: () => ({
        service: {
          rangeSpecifier: () => 'flaky',
          async getData(tags, range, resolutionMs) {
            calls++;
            if (calls % 2 === 1) throw new ProviderError('historian unreachable', { retryable: true });
            const timestamps = bucketStarts(range, resolutionMs);
            return { range, resolutionMs, tags, timestamps, columns: tags.map(() => new Float64Array(timestamps.length).fill(calls)), quality: emptyQualityCounts() };
          },
        },
      }),
    },
  },
});
export { ProviderError as BundledProviderError };
`;

describe('errors by brand across two copies of latigo (built package)', () => {
  let dir: string;

  before(function () {
    // Inside the repository's node_modules, so the second copy finds latigo's own dependencies by walking up.
    mkdirSync(join(repoRoot, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(repoRoot, 'node_modules', '.cache', 'latigo-second-copy-'));
    const copy = join(dir, 'node_modules', 'latigo');
    for (const part of ['src', 'migrations']) cpSync(join(repoRoot, 'dist', part), join(copy, 'dist', part), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(copy, 'package.json'));
    writeFileSync(join(dir, 'flakyProvider.mjs'), providerSource);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries the transient error of a provider built against a second copy', async () => {
    const { BundledProviderError } = (await import(join(dir, 'flakyProvider.mjs'))) as { BundledProviderError: typeof ProviderError };
    expect(BundledProviderError).not.to.equal(ProviderError); // two copies: `instanceof` would not see it
    const config = await parseAppConfig({ sensor_data: { type: `module:${join(dir, 'flakyProvider.mjs')}` } }, providerCatalog);
    const container = buildContainer(config, 'executor', silentLogger, { processName: 'executor' });
    const provider = await container.getAsync(SensorDataProvider);

    const retried: unknown[] = [];
    const frame = await withRetry(
      () => provider.getData([{ name: 'a', asset: 'x' }], { fromMs: 0, toMs: 2_000 }, 1_000),
      { initialIntervalMs: 1, backoffCoefficient: 1, maximumIntervalMs: 1, maximumAttempts: 3 },
      { onRetry: (err) => retried.push(err) },
    );
    expect(Array.from(frame.columns[0]!)).to.deep.equal([2, 2]); // the second call's answer
    expect(retried).to.have.length(1);
    expect(retried[0]).not.to.be.instanceOf(ProviderError);
    expect(classifyError(retried[0])).to.equal('transient');
  });
});
