/**
 * Names of the series a model's predictions are written to, for stores that keep one series per value
 * (the Data API). A template with placeholders `{tag}`, `{model}`, `{project}`, `{revision}` and
 * `{operation}`; the Python latigo's convention is `{tag}|{model}|{operation}`.
 */
export const pythonLatigoOutputNaming = '{tag}|{model}|{operation}';

const PLACEHOLDERS = ['tag', 'model', 'project', 'revision', 'operation'] as const;
export type OutputNamePart = (typeof PLACEHOLDERS)[number];

/** What a model writes per input or target tag (`{tag}` is the tag) and per timestamp (`{tag}` is the indicator). */
export const perTagOperations = ['model-output', 'tag-anomaly'] as const;
export const perModelOperations = ['total-anomaly', 'anomaly-threshold', 'anomaly-flag'] as const;
export type OutputOperation = (typeof perTagOperations)[number] | (typeof perModelOperations)[number];

/** Throws RangeError when the template names an unknown placeholder or cannot tell series apart. */
export function checkOutputNaming(template: string): void {
  for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name!)) {
      throw new RangeError(`unknown placeholder {${name}}; expected ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
  }
  for (const required of ['tag', 'model', 'operation']) {
    if (!template.includes(`{${required}}`))
      throw new RangeError(`the template must contain {${required}}, or different series would share a name`);
  }
}

/**
 * The series name for `parts` under `template`. Text of a part that contains one of the template's own
 * separators (its literal text between placeholders, such as `|`) has them replaced by `-`, as the Python
 * latigo did, so a name always splits back into its parts.
 */
export function outputSeriesName(template: string, parts: Readonly<Record<OutputNamePart, string>>): string {
  const separators = template.split(/\{[^}]*\}/).filter((s) => s !== '');
  const clean = (value: string) => separators.reduce((text, sep) => text.split(sep).join('-'), value);
  return template.replace(/\{([a-z]+)\}/g, (_, name: OutputNamePart) => clean(parts[name]));
}
