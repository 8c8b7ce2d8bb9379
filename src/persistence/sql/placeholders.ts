/**
 * The embedded providers write SQL once, with SQLite's `?` placeholders; PostgreSQL numbers them
 * (`$1`, `$2`, …). `toNumberedPlaceholders` rewrites one into the other.
 *
 * A `?` inside a single-quoted string literal ('a?b') or a double-quoted identifier stays as it is.
 * Not handled, because our SQL never uses them: dollar-quoted strings ($$…$$), E'…' escapes and
 * comments containing `?`, and PostgreSQL's jsonb operators `?`, `?|`, `?&`.
 */
export function toNumberedPlaceholders(sql: string): string {
  let cached = rewritten.get(sql);
  if (cached === undefined) {
    cached = rewrite(sql);
    // Statements come in a few shapes (hot single-row ones, full chunks, one remainder per call).
    if (rewritten.size >= 200) rewritten.delete(rewritten.keys().next().value!);
    rewritten.set(sql, cached);
  }
  return cached;
}

const rewritten = new Map<string, string>();

function rewrite(sql: string): string {
  if (!sql.includes('?')) return sql;
  const parts: string[] = [];
  let n = 0;
  let start = 0;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote !== undefined) {
      // A doubled quote ('it''s') closes and reopens the literal: the same state either way.
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '?') {
      parts.push(sql.slice(start, i), `$${++n}`);
      start = i + 1;
    }
  }
  parts.push(sql.slice(start));
  return parts.join('');
}
