import { LRUCache } from 'lru-cache';

/**
 * The embedded providers write SQL once, with SQLite's `?` placeholders; PostgreSQL numbers them
 * (`$1`, `$2`, …). `toNumberedPlaceholders` rewrites one into the other; `withInlinedLiterals` writes
 * values in their place instead, for statements sent together in one simple-query message.
 *
 * A `?` inside a single-quoted string literal ('a?b') or a double-quoted identifier stays as it is.
 * Not handled, because our SQL never uses them: dollar-quoted strings ($$…$$), E'…' escapes and
 * comments containing `?`, and PostgreSQL's jsonb operators `?`, `?|`, `?&`.
 */
export function toNumberedPlaceholders(sql: string): string {
  return rewritten.memo(sql);
}

// Statements come in a few shapes (hot single-row ones, full chunks, one remainder per call): 200 hold them all.
const rewritten = new LRUCache<string, string>({ max: 200, memoMethod: (sql) => rewrite(sql) });

function rewrite(sql: string): string {
  const parts = cutAtPlaceholders(sql);
  let text = parts[0]!;
  for (let i = 1; i < parts.length; i++) text += `$${i}${parts[i]!}`;
  return text;
}

/**
 * `sql` with each `?` replaced by `literals[i]` (SQL text the caller made safe, see `quoteLiteral`), for a
 * statement sent without bound parameters. Throws when the counts differ.
 */
export function withInlinedLiterals(sql: string, literals: readonly string[]): string {
  const parts = split.memo(sql);
  if (parts.length !== literals.length + 1) {
    throw new Error(`${literals.length} values given for ${parts.length - 1} ? placeholders: ${sql.slice(0, 120)}`);
  }
  let text = parts[0]!;
  for (let i = 0; i < literals.length; i++) text += literals[i]! + parts[i + 1]!;
  return text;
}

/** Statements cut at their placeholders, as many as `rewritten` holds. */
const split = new LRUCache<string, string[]>({ max: 200, memoMethod: (sql) => cutAtPlaceholders(sql) });

/**
 * `text` as a string literal that means `text` whatever `standard_conforming_strings` says (pg.escapeLiteral's
 * rule: an E'' literal when there are backslashes), with JavaScript's native replaceAll, as large values
 * (whole arrays of predictions) pass through here.
 */
export function quoteLiteral(text: string): string {
  return text.includes('\\') ? ` E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${text.replaceAll("'", "''")}'`;
}

/** The text between the `?` placeholders outside quotes: one part more than there are placeholders. */
function cutAtPlaceholders(sql: string): string[] {
  if (!sql.includes('?')) return [sql];
  const parts: string[] = [];
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
      parts.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(sql.slice(start));
  return parts;
}
