/**
 * Gordo serializes with Python's `json`, which writes the bare tokens `NaN`, `Infinity` and `-Infinity`:
 * not JSON, so `JSON.parse` rejects them. Outside string literals, `NaN` becomes `null` (decoders read a
 * null cell as NaN) and `±Infinity` becomes `±1e999`, which JSON.parse reads as ±Infinity. Strings (tag
 * names may well contain "NaN") are matched first and kept as they are.
 */
const PYTHON_TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?Infinity|NaN/g;

export function parseGordoJson(text: string): unknown {
  // Most answers have no Python tokens: one JSON.parse. The rewrite runs when the text holds the words at
  // all (perhaps only inside a string, which it leaves alone).
  if (!text.includes('NaN') && !text.includes('Infinity')) return JSON.parse(text);
  return JSON.parse(
    text.replace(PYTHON_TOKENS, (token) => {
      if (token.charCodeAt(0) === 34 /* " */) return token;
      if (token === 'NaN') return 'null';
      return token.charCodeAt(0) === 45 /* - */ ? '-1e999' : '1e999';
    }),
  );
}

/** A JSON number cell: null (from NaN) and anything not a number read as NaN. */
export function numberCell(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
