/**
 * Enodo-compatible output templates, parsed once (issue 19):
 *
 * - `${path}`: the value at a dotted path of the context (`episode.topTags.0.tag`);
 * - `${path,new_name}`: the same value named `new_name` (in a JSON object: the member `"new_name": value`);
 * - `${?path,new_name}`: as above, left out (with its comma) when the path has no value;
 * - `$$`: a literal `$`;
 * - `$JSON::a.b->x::c?->y`: an object `{"x": <a.b>, "y": <c>}`, `?` marking members left out when absent,
 *   `->name` optional (the last segment of the path otherwise).
 *
 * Any other `$` is literal text, as in Enodo. How values are escaped is the renderer's business (JSON, URL,
 * header); this module only reads the syntax and reports errors with their position.
 */

export interface TextPart {
  readonly kind: 'text';
  readonly text: string;
  readonly start: number;
}

export interface ValuePart {
  readonly kind: 'value';
  readonly path: readonly string[];
  readonly name?: string;
  readonly optional: boolean;
  readonly start: number;
}

export interface ObjectMember {
  readonly path: readonly string[];
  readonly name: string;
  readonly optional: boolean;
}

export interface ObjectPart {
  readonly kind: 'object';
  readonly members: readonly ObjectMember[];
  readonly start: number;
}

export type TemplatePart = TextPart | ValuePart | ObjectPart;

export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** A template that cannot be read or rendered; `position` is the 0-based offset in the template's text. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly line: number;
  readonly column: number;

  constructor(
    message: string,
    readonly position: number,
    source: string,
  ) {
    const before = source.slice(0, position).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    super(`${message} at line ${line}, column ${column} (offset ${position})`);
    this.line = line;
    this.column = column;
  }
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** What a `$JSON::` builder may contain; it ends at the first other character. */
const OBJECT_CHARS = /[A-Za-z0-9_.?:>-]/;
/** Long enough for any real template, short enough that a hostile one costs nothing to read. */
export const MAX_TEMPLATE_LENGTH = 64_000;

export function parseTemplate(source: string): Template {
  if (source.length > MAX_TEMPLATE_LENGTH) throw new TemplateError(`template longer than ${MAX_TEMPLATE_LENGTH} characters`, 0, '');
  const parts: TemplatePart[] = [];
  let text = '';
  let textStart = 0;
  const flush = (next: number): void => {
    if (text.length > 0) parts.push({ kind: 'text', text, start: textStart });
    text = '';
    textStart = next;
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch !== '$') {
      text += ch;
      i++;
      continue;
    }
    if (source.startsWith('$$', i)) {
      text += '$';
      i += 2;
      continue;
    }
    if (source.startsWith('${', i)) {
      const close = source.indexOf('}', i + 2);
      // A placeholder is one line of path and name: a quote, brace or line break first means it was never closed.
      if (close < 0 || /[\n"{$]/.test(source.slice(i + 2, close))) throw new TemplateError('"${" without a closing "}"', i, source);
      flush(close + 1);
      parts.push(parsePlaceholder(source, i, close));
      i = close + 1;
      continue;
    }
    if (source.startsWith('$JSON::', i)) {
      let end = i + '$JSON::'.length;
      while (end < source.length && OBJECT_CHARS.test(source[end]!)) end++;
      flush(end);
      parts.push(parseObject(source, i, end));
      i = end;
      continue;
    }
    text += ch;
    i++;
  }
  flush(i);
  return { source, parts };
}

function parsePlaceholder(source: string, start: number, close: number): ValuePart {
  let body = source.slice(start + 2, close);
  let offset = start + 2;
  const optional = body.startsWith('?');
  if (optional) {
    body = body.slice(1);
    offset++;
  }
  const comma = body.indexOf(',');
  const pathText = (comma < 0 ? body : body.slice(0, comma)).trim();
  const path = parsePath(pathText, source, offset);
  if (comma < 0) {
    if (optional)
      throw new TemplateError(`"\${?${pathText}}" needs a name ("\${?path,name}"): an optional value is a named member`, start, source);
    return { kind: 'value', path, optional, start };
  }
  const name = body.slice(comma + 1).trim();
  if (!NAME.test(name)) {
    throw new TemplateError(`"${name}" is not a name (letters, digits, "_" or "-", not starting with a digit)`, offset + comma + 1, source);
  }
  return { kind: 'value', path, name, optional, start };
}

function parseObject(source: string, start: number, end: number): ObjectPart {
  const body = source.slice(start + '$JSON::'.length, end);
  let offset = start + '$JSON::'.length;
  const members: ObjectMember[] = [];
  for (const entry of body.split('::')) {
    const arrow = entry.indexOf('->');
    let pathText = arrow < 0 ? entry : entry.slice(0, arrow);
    const optional = pathText.endsWith('?');
    if (optional) pathText = pathText.slice(0, -1);
    const path = parsePath(pathText, source, offset);
    const name = arrow < 0 ? path[path.length - 1]! : entry.slice(arrow + 2);
    if (!NAME.test(name)) throw new TemplateError(`"${name}" is not a member name`, offset + Math.max(arrow, 0), source);
    if (members.some((m) => m.name === name)) throw new TemplateError(`member "${name}" appears twice`, offset, source);
    members.push({ path, name, optional });
    offset += entry.length + 2;
  }
  return { kind: 'object', members, start };
}

function parsePath(text: string, source: string, offset: number): string[] {
  if (text.length === 0) throw new TemplateError('empty path', offset, source);
  const segments = text.split('.');
  segments.forEach((segment, k) => {
    if (!SEGMENT.test(segment)) {
      const at = offset + segments.slice(0, k).join('.').length + (k > 0 ? 1 : 0);
      throw new TemplateError(`"${text}" is not a path (dot-separated names such as episode.topTags.0.tag)`, at, source);
    }
  });
  return segments;
}
