import { describeError } from '../runtime/errors.js';

/** One dependency `/readyz` checks: resolves when reachable (with `NOT_CHECKED` when it cannot tell), rejects saying why not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void | typeof NOT_CHECKED>;
}

/** A dependency the process cannot check counts as ready, and says so. */
export const NOT_CHECKED = 'not checked';

export interface ReadinessReport {
  readonly ready: boolean;
  /** Per check: `ok`, or what failed (one line, no stack, no secrets: errors are translated and masked upstream). */
  readonly checks: Readonly<Record<string, string>>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs` (a hung connection must not hang the probe), and
 * reports not ready once `stopping` fired: a process draining for shutdown takes no new work.
 */
export async function evaluateReadiness(
  checks: readonly ReadinessCheck[],
  options: { timeoutMs: number; stopping?: AbortSignal },
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c, options.timeoutMs)] as const));
  const report: Record<string, string> = Object.fromEntries(results);
  if (options.stopping?.aborted) report.process = 'stopping';
  return { ready: Object.values(report).every((r) => r === 'ok' || r === NOT_CHECKED), checks: report };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check.check().then(
        (note) => note ?? 'ok',
        (err: unknown) => `failed: ${describeError(err)}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connectivity check a provider declares (the HealthCheck capability), as `/readyz` runs it. */
export interface DeclaredHealthCheck {
  readonly name: string;
  check(options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * The providers' declared health checks as readiness checks; when none is named `queue`, the queue is
 * reported `not checked` (and counts as ready), so a report always says what it did not check.
 */
export function providerChecks(declared: readonly DeclaredHealthCheck[]): ReadinessCheck[] {
  const checks: ReadinessCheck[] = declared.map((h) => ({ name: h.name, check: () => h.check() }));
  if (!declared.some((h) => h.name === 'queue')) checks.push({ name: 'queue', check: () => Promise.resolve(NOT_CHECKED) });
  return checks;
}
