import { InvalidDataError } from '../runtime/errors.js';

/** Reads the value of a column (a tag name) in the current row. */
export type ColumnReader = (column: string) => number;
type Node = (row: ColumnReader) => number;

/**
 * Compiles a Gordo `row_filter`: the subset of pandas `DataFrame.eval` that Gordo configurations use.
 * Columns are `backtick quoted` (or bare identifiers), numbers, `True`/`False`; operators `|` / `or`,
 * `&` / `and`, `~` / `not`, comparisons (`<`, `<=`, `>`, `>=`, `==`, `!=`, chained as in Python),
 * `+ - * /`, `**` and parentheses. Throws InvalidDataError naming the expression and position for anything
 * else, and when it names a column not in `columns`.
 */
export function compileRowFilter(expression: string, columns: readonly string[]): (row: ColumnReader) => boolean {
  const parser = new Parser(expression, new Set(columns));
  const node = parser.parse();
  return (row) => node(row) !== 0;
}

/**
 * Which rows to keep: every filter holds for the row, and no failing row lies within `bufferSize` rows of
 * it (Gordo's `row_filter_buffer_size`, counted in positions of the rows given).
 */
export function rowFilterMask(
  filters: readonly ((row: ColumnReader) => boolean)[],
  rowCount: number,
  read: (row: number) => ColumnReader,
  bufferSize: number,
): Uint8Array {
  const keep = new Uint8Array(rowCount).fill(1);
  if (filters.length === 0) return keep;
  const failed: number[] = [];
  for (let i = 0; i < rowCount; i++) {
    const reader = read(i);
    if (!filters.every((f) => f(reader))) failed.push(i);
  }
  for (const i of failed) {
    for (let j = Math.max(0, i - bufferSize); j <= Math.min(rowCount - 1, i + bufferSize); j++) keep[j] = 0;
  }
  return keep;
}

type Token =
  { kind: 'num'; value: number; at: number } | { kind: 'col'; name: string; at: number } | { kind: 'op'; op: string; at: number };

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(
    private readonly source: string,
    private readonly columns: ReadonlySet<string>,
  ) {
    this.tokens = this.tokenize();
  }

  parse(): Node {
    const node = this.or();
    const extra = this.tokens[this.i];
    if (extra) this.fail(`unexpected "${this.text(extra)}"`, extra.at);
    return node;
  }

  private or(): Node {
    let left = this.and();
    while (this.accept('|', 'or')) {
      const l = left;
      const r = this.and();
      left = (row) => (l(row) !== 0 || r(row) !== 0 ? 1 : 0);
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.accept('&', 'and')) {
      const l = left;
      const r = this.not();
      left = (row) => (l(row) !== 0 && r(row) !== 0 ? 1 : 0);
    }
    return left;
  }

  private not(): Node {
    if (this.accept('~', 'not')) {
      const inner = this.not();
      return (row) => (inner(row) === 0 ? 1 : 0);
    }
    return this.comparison();
  }

  /** Python chains comparisons: `a < b < c` is `a < b and b < c`. */
  private comparison(): Node {
    const first = this.sum();
    const links: { op: string; right: Node }[] = [];
    for (let t = this.peekOp(); t !== undefined && COMPARISONS.has(t); t = this.peekOp()) {
      this.i++;
      links.push({ op: t, right: this.sum() });
    }
    if (links.length === 0) return first;
    return (row) => {
      let left = first(row);
      for (const { op, right } of links) {
        const r = right(row);
        if (!compare(op, left, r)) return 0;
        left = r;
      }
      return 1;
    };
  }

  private sum(): Node {
    let left = this.product();
    for (let op = this.peekOp(); op === '+' || op === '-'; op = this.peekOp()) {
      this.i++;
      const l = left;
      const r = this.product();
      left = op === '+' ? (row) => l(row) + r(row) : (row) => l(row) - r(row);
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    for (let op = this.peekOp(); op === '*' || op === '/'; op = this.peekOp()) {
      this.i++;
      const l = left;
      const r = this.unary();
      left = op === '*' ? (row) => l(row) * r(row) : (row) => l(row) / r(row);
    }
    return left;
  }

  private unary(): Node {
    if (this.accept('-')) {
      const inner = this.unary();
      return (row) => -inner(row);
    }
    if (this.accept('+')) return this.unary();
    const base = this.primary();
    if (this.accept('**')) {
      const exponent = this.unary();
      return (row) => base(row) ** exponent(row);
    }
    return base;
  }

  private primary(): Node {
    const token = this.tokens[this.i];
    if (token === undefined) return this.fail('the expression ends too early', this.source.length);
    this.i++;
    if (token.kind === 'num') {
      const value = token.value;
      return () => value;
    }
    if (token.kind === 'col') {
      if (token.name === 'True') return () => 1;
      if (token.name === 'False') return () => 0;
      if (!this.columns.has(token.name)) this.fail(`column "${token.name}" is not a tag of the model`, token.at);
      const name = token.name;
      return (row) => row(name);
    }
    if (token.op === '(') {
      const inner = this.or();
      if (!this.accept(')')) this.fail('a ")" is missing', this.tokens[this.i]?.at ?? this.source.length);
      return inner;
    }
    return this.fail(`unexpected "${token.op}"`, token.at);
  }

  private peekOp(): string | undefined {
    const token = this.tokens[this.i];
    return token?.kind === 'op' ? token.op : undefined;
  }

  private accept(...ops: string[]): boolean {
    const token = this.tokens[this.i];
    if (token?.kind === 'op' && ops.includes(token.op)) {
      this.i++;
      return true;
    }
    return false;
  }

  private tokenize(): Token[] {
    const tokens: Token[] = [];
    const s = this.source;
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === '`') {
        const end = s.indexOf('`', i + 1);
        if (end < 0) this.fail('a backtick-quoted column is not closed', i);
        tokens.push({ kind: 'col', name: s.slice(i + 1, end), at: i });
        i = end + 1;
        continue;
      }
      const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(i));
      if (number) {
        tokens.push({ kind: 'num', value: Number(number[0]), at: i });
        i += number[0].length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
      if (word) {
        const w = word[0];
        tokens.push(w === 'and' || w === 'or' || w === 'not' ? { kind: 'op', op: w, at: i } : { kind: 'col', name: w, at: i });
        i += w.length;
        continue;
      }
      const op = ['**', '<=', '>=', '==', '!=', '<', '>', '&', '|', '~', '(', ')', '+', '-', '*', '/'].find((o) => s.startsWith(o, i));
      if (op === undefined) this.fail(`unexpected character "${c}"`, i);
      tokens.push({ kind: 'op', op, at: i });
      i += op.length;
    }
    return tokens;
  }

  private text(token: Token): string {
    return token.kind === 'num' ? String(token.value) : token.kind === 'col' ? token.name : token.op;
  }

  private fail(reason: string, at: number): never {
    throw new InvalidDataError(`row_filter "${this.source}": ${reason} (at character ${at + 1})`);
  }
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

/**
 * A `dataset.row_filter` as Gordo accepts it: one expression, or a list whose items must all hold; "",
 * null and a missing value mean no filter, and blank items are dropped. Throws InvalidDataError naming
 * `field` for anything else.
 */
export function normalizeRowFilter(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.filter((v) => v.trim() !== '');
  throw new InvalidDataError(`${field} must be an expression or a list of expressions`);
}
