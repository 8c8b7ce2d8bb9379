import { describeError, ProviderError, isProviderError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { isCredentialConfig, type CredentialConfig } from './config.js';
import type { CredentialStore } from './createBearerTokenSource.js';

/** The credential blocks anywhere inside `configs` (parsed provider sections), each once, in order found. */
export function findCredentialConfigs(configs: readonly unknown[]): CredentialConfig[] {
  const found: CredentialConfig[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 8) return;
    seen.add(value);
    if (isCredentialConfig(value)) {
      found.push(value);
      return;
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  for (const config of configs) visit(config, 0);
  return found;
}

/**
 * Start-up check: asks every credential for a token, all at once, so one run reports every section whose
 * credential is wrong rather than the first. Throws ProviderError naming each failing section (retryable
 * only when all failures are); the tokens obtained stay cached for the providers that share the blocks.
 */
export async function verifyCredentials(
  credentials: readonly CredentialConfig[],
  store: CredentialStore,
  log: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const results = await Promise.allSettled(credentials.map((config) => store.tokenSource(config).token(signal ? { signal } : {})));
  const failures = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ path: credentials[i]!.path, error: result.reason as unknown }] : [],
  );
  if (failures.length === 0) {
    if (credentials.length > 0) log.info('credentials verified', { sections: credentials.map((c) => c.path) });
    return;
  }
  const retryable = failures.every((f) => isProviderError(f.error) && f.error.retryable);
  const lines = failures.map((f) => `${f.path}: ${describeError(f.error)}`);
  throw new ProviderError(`${failures.length} of ${credentials.length} credential(s) could not obtain a token:\n  ${lines.join('\n  ')}`, {
    retryable,
    cause: failures[0]!.error,
  });
}
