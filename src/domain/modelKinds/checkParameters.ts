import type { z } from 'zod';

/** One thing wrong with a model's parameters; `key` is its path from the definition, e.g. `parameters.rules.0.value`. */
export interface ParameterIssue {
  readonly key: string;
  readonly message: string;
}

/** The outcome of checking parameters: a value, so callers turn issues into their own error (problem document, ConfigError). */
export type ParameterCheck<P> =
  { readonly ok: true; readonly parameters: P } | { readonly ok: false; readonly issues: readonly ParameterIssue[] };

/** Parses `raw` with `schema`; each zod issue becomes one ParameterIssue keyed from `parameters`. */
export function checkWithSchema<P>(schema: z.ZodType<P>, raw: unknown): ParameterCheck<P> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return { ok: true, parameters: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      // An unknown key is reported by zod at the object's path; name the key itself.
      const extra = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [...issue.path.map(String), ...(extra.length === 1 ? extra : [])];
      return { key: ['parameters', ...path].join('.'), message: issue.message };
    }),
  };
}

/** "parameters.horizon: Too small: expected number to be >0; parameters.coverage: ..." for error messages. */
export function describeParameterIssues(issues: readonly ParameterIssue[]): string {
  return issues.map((i) => `${i.key}: ${i.message}`).join('; ');
}
