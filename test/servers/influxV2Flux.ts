/**
 * The part of Flux that the latigo influx provider sends (providers/influx/flux.ts), parsed for the loopback
 * v2 server: a pipeline of calls `from |> range |> filter... |> aggregateWindow | last |> keep`, with
 * string literals in Flux's escaping, RFC 3339 time literals, durations, arrays of strings and filter
 * predicates built from `r.col == "x"` / `r["col"] == "x"`, `and`, `or` and parentheses. Anything else is
 * refused with an error, as a real server refuses a query it cannot compile.
 */
export type Row = Readonly<Record<string, string>>;
export type Predicate = (row: Row) => boolean;

export interface FluxCall {
  readonly name: string;
  readonly args: Readonly<Record<string, FluxValue>>;
}
export type FluxValue =
  | { kind: 'string'; value: string }
  | { kind: 'time'; ms: number }
  | { kind: 'duration'; ms: number }
  | { kind: 'identifier'; name: string }
  | { kind: 'array'; items: string[] }
  | { kind: 'function'; predicate: Predicate }
  | { kind: 'bool'; value: boolean };

type Token = { type: 'string'; value: string } | { type: 'word'; value: string } | { type: 'punct'; value: string };

export function parseFluxPipeline(text: string): FluxCall[] {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++] ?? fail('unexpected end of query');
  const expect = (value: string) => {
    const token = next();
    if (token.type === 'string' || token.value !== value) fail(`expected "${value}", found ${JSON.stringify(token.value)}`);
  };

  const calls: FluxCall[] = [];
  for (;;) {
    const name = next();
    if (name.type !== 'word') fail(`expected a function name, found ${JSON.stringify(name.value)}`);
    expect('(');
    const args: Record<string, FluxValue> = {};
    while (peek()?.value !== ')') {
      const key = next();
      if (key.type !== 'word') fail('expected a parameter name');
      expect(':');
      args[key.value] = value();
      if (peek()?.value === ',') next();
    }
    expect(')');
    calls.push({ name: name.value, args });
    if (i >= tokens.length) return calls;
    expect('|>');
  }

  function value(): FluxValue {
    const token = next();
    if (token.type === 'string') return { kind: 'string', value: token.value };
    if (token.value === '[') {
      const items: string[] = [];
      while (peek()?.value !== ']') {
        const item = next();
        if (item.type !== 'string') fail('only arrays of strings are supported');
        items.push(item.value);
        if (peek()?.value === ',') next();
      }
      next();
      return { kind: 'array', items };
    }
    if (token.value === '(') {
      const param = next();
      expect(')');
      expect('=>');
      return { kind: 'function', predicate: expression(param.value) };
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(token.value)) {
      const ms = Date.parse(token.value);
      if (Number.isNaN(ms)) fail(`invalid time ${token.value}`);
      return { kind: 'time', ms };
    }
    const duration = /^(\d+)(ms|s|m|h)$/.exec(token.value);
    if (duration) return { kind: 'duration', ms: Number(duration[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[duration[2] as 'ms'] };
    if (token.value === 'true' || token.value === 'false') return { kind: 'bool', value: token.value === 'true' };
    return { kind: 'identifier', name: token.value };
  }

  // or-expression := and-expression ('or' and-expression)* ; and-expression := primary ('and' primary)*
  function expression(param: string): Predicate {
    const terms = [conjunction(param)];
    while (peek()?.value === 'or') {
      next();
      terms.push(conjunction(param));
    }
    return terms.length === 1 ? terms[0]! : (row) => terms.some((t) => t(row));
  }
  function conjunction(param: string): Predicate {
    const factors = [primary(param)];
    while (peek()?.value === 'and') {
      next();
      factors.push(primary(param));
    }
    return factors.length === 1 ? factors[0]! : (row) => factors.every((f) => f(row));
  }
  function primary(param: string): Predicate {
    if (peek()?.value === '(') {
      next();
      const inner = expression(param);
      expect(')');
      return inner;
    }
    const record = next();
    if (record.value !== param) fail(`expected ${param}.column, found ${JSON.stringify(record.value)}`);
    let column: string;
    if (peek()?.value === '.') {
      next();
      column = next().value;
    } else {
      expect('[');
      const quoted = next();
      if (quoted.type !== 'string') fail('expected a string column name');
      column = quoted.value;
      expect(']');
    }
    expect('==');
    const literal = next();
    if (literal.type !== 'string') fail('only comparisons with strings are supported');
    return (row) => row[column] === literal.value;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string literal');
        const d = text[i++]!;
        if (d === '"') break;
        if (d !== '\\') {
          value += d;
          continue;
        }
        const e = text[i++];
        const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };
        if (e === undefined || escapes[e] === undefined) fail(`invalid escape \\${e ?? ''} in string literal`);
        value += escapes[e];
      }
      tokens.push({ type: 'string', value });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '|>' || two === '==' || two === '=>') {
      tokens.push({ type: 'punct', value: two });
      i += 2;
      continue;
    }
    if ('()[]:,.'.includes(c)) {
      tokens.push({ type: 'punct', value: c });
      i++;
      continue;
    }
    const word = /^[A-Za-z0-9_:.+-]+/.exec(text.slice(i));
    if (!word) fail(`unexpected character ${JSON.stringify(c)}`);
    // A word may hold `:` and `.` only inside a time literal; elsewhere they are punctuation.
    const raw = /^\d{4}-\d{2}-\d{2}T/.test(word[0]) ? word[0] : /^[A-Za-z0-9_]+/.exec(word[0])![0];
    tokens.push({ type: 'word', value: raw });
    i += raw.length;
  }
  return tokens;
}

function fail(message: string): never {
  throw new Error(`compilation failed: ${message}`);
}
