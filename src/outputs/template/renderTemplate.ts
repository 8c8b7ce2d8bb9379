import { TemplateError, type ObjectPart, type Template, type ValuePart } from './parseTemplate.js';

/** Where a rendered template goes, which decides how every value is escaped. */
export type TemplateTarget = 'json' | 'url' | 'param' | 'header';

export type TemplateContext = Readonly<Record<string, unknown>>;

/** The value at `path`; undefined when any step is missing (arrays are indexed by number segments). */
export function lookup(context: TemplateContext, path: readonly string[]): unknown {
  let current: unknown = context;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Renders for `target`:
 * - `json`: a value outside a JSON string is inserted as JSON (strings quoted and escaped, numbers as
 *   numbers, absent as null); inside a string literal of the template it is escaped as string content;
 *   a named value outside strings is the member `"name": value`, an absent optional one is left out with
 *   its comma. The result is then parsed: a template that does not render JSON is an error.
 * - `url`: values percent-encoded (a value cannot add a path segment, query or fragment).
 * - `param`: values as text (URLSearchParams encodes the whole parameter).
 * - `header`: values as text; a value with a line break or NUL is refused (no header injection).
 */
export function renderTemplate(template: Template, context: TemplateContext, target: TemplateTarget): string {
  return target === 'json' ? renderJson(template, context) : renderText(template, context, target);
}

function renderText(template: Template, context: TemplateContext, target: Exclude<TemplateTarget, 'json'>): string {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = part.kind === 'object' ? JSON.stringify(buildObject(part, context)) : asText(lookup(context, part.path));
    if (target === 'header' && /[\r\n\0]/.test(value)) {
      throw new TemplateError(
        `the value of ${describe(part)} holds a line break or NUL, which a header cannot carry`,
        part.start,
        template.source,
      );
    }
    out += target === 'url' ? encodeURIComponent(value) : value;
  }
  return out;
}

interface Piece {
  text: string;
  /** Literal template text outside any placeholder: the only text a comma may be removed from. */
  literal: boolean;
  /** An absent optional member: its comma goes too. */
  omitted?: boolean;
}

function renderJson(template: Template, context: TemplateContext): string {
  const pieces: Piece[] = [];
  let inString = false;
  for (const part of template.parts) {
    if (part.kind === 'text') {
      pieces.push({ text: part.text, literal: true });
      inString = scanStrings(part.text, inString);
      continue;
    }
    if (inString) {
      // Inside "...": string content, escaped as JSON string content whatever the value holds.
      const value = part.kind === 'object' ? JSON.stringify(buildObject(part, context)) : asText(lookup(context, part.path));
      pieces.push({ text: JSON.stringify(value).slice(1, -1), literal: false });
      continue;
    }
    if (part.kind === 'object') {
      pieces.push({ text: JSON.stringify(buildObject(part, context)), literal: false });
      continue;
    }
    const value = lookup(context, part.path);
    if (part.optional && (value === undefined || value === null)) {
      pieces.push({ text: '', literal: false, omitted: true });
      continue;
    }
    const json = asJson(value);
    pieces.push({ text: part.name === undefined ? json : `${JSON.stringify(part.name)}: ${json}`, literal: false });
  }
  removeOmittedCommas(pieces);
  const text = pieces.map((p) => p.text).join('');
  try {
    JSON.parse(text);
  } catch (err) {
    throw new TemplateError(`the payload does not render valid JSON (${(err as Error).message})`, 0, template.source);
  }
  return text;
}

/** Whether the JSON text after `text` is inside a string literal, given whether it started inside one. */
function scanStrings(text: string, inString: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString && ch === '\\') i++;
    else if (ch === '"') inString = !inString;
  }
  return inString;
}

/** For each omitted member, the comma that separated it: the next one after it, else the one before. */
function removeOmittedCommas(pieces: Piece[]): void {
  pieces.forEach((piece, index) => {
    if (!piece.omitted) return;
    if (!removeComma(pieces, index, 1)) removeComma(pieces, index, -1);
  });
}

function removeComma(pieces: Piece[], from: number, step: 1 | -1): boolean {
  for (let i = from + step; i >= 0 && i < pieces.length; i += step) {
    const piece = pieces[i]!;
    if (!piece.literal) {
      if (piece.text.length === 0) continue;
      return false;
    }
    const trimmed = step === 1 ? piece.text.trimStart() : piece.text.trimEnd();
    if (trimmed.length === 0) continue;
    if (step === 1 && trimmed.startsWith(',')) {
      piece.text = piece.text.slice(0, piece.text.length - trimmed.length) + trimmed.slice(1);
      return true;
    }
    if (step === -1 && trimmed.endsWith(',')) {
      piece.text = trimmed.slice(0, -1) + piece.text.slice(trimmed.length);
      return true;
    }
    return false;
  }
  return false;
}

function buildObject(part: ObjectPart, context: TemplateContext): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const member of part.members) {
    const value = lookup(context, member.path);
    if (member.optional && (value === undefined || value === null)) continue;
    object[member.name] = value === undefined ? null : value;
  }
  return object;
}

/** JSON text of a value: absent is null, non-finite numbers are null (JSON has no NaN). */
function asJson(value: unknown): string {
  if (value === undefined) return 'null';
  return JSON.stringify(value) ?? 'null';
}

/** A value as text: strings as they are, absent as empty, numbers and booleans as JSON writes them, objects as JSON. */
function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return JSON.stringify(value) ?? '';
}

function describe(part: ValuePart | ObjectPart): string {
  return part.kind === 'object' ? '$JSON::' : `\${${part.path.join('.')}}`;
}
