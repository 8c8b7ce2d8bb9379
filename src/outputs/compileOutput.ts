import type { OutputDefinition } from '../config/outputsSections.js';
import type { AllowedHosts } from './allowedHosts.js';
import { TemplateError, type Template } from './template/parseTemplate.js';
import { renderTemplate, type TemplateContext } from './template/renderTemplate.js';
import { checkTemplate } from './template/templateContext.js';

/** An output whose templates are parsed and checked: ready to render deliveries. */
export interface CompiledOutput {
  readonly definition: OutputDefinition;
  readonly url: Template;
  readonly headers: readonly (readonly [string, Template])[];
  readonly params: readonly (readonly [string, Template])[];
  readonly payload?: Template;
}

/** A definition that cannot be saved; `field` names where (`payload`, `headers.X-Key`, `url`). */
export class OutputDefinitionError extends Error {
  override readonly name = 'OutputDefinitionError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers latigo sets itself on every delivery. */
const RESERVED_HEADERS = new Set(['x-latigo-signature', 'x-latigo-delivery', 'x-latigo-event', 'content-length', 'host']);

/** Checks every template of `definition` (position named) and its URL's host against the allowed hosts. */
export function compileOutput(definition: OutputDefinition, allowed: AllowedHosts): CompiledOutput {
  const url = field('url', () => checkTemplate(definition.url, 'url'));
  checkUrl(definition.url, url, allowed);
  const headers = Object.entries(definition.headers).map(([name, source]) => {
    if (!HEADER_NAME.test(name)) throw new OutputDefinitionError(`headers.${name}`, 'not a valid header name');
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new OutputDefinitionError(`headers.${name}`, 'set by latigo itself');
    return [name, field(`headers.${name}`, () => checkTemplate(source, 'header'))] as const;
  });
  const params = Object.entries(definition.params).map(
    ([name, source]) => [name, field(`params.${name}`, () => checkTemplate(source, 'param'))] as const,
  );
  const payload = definition.payload === undefined ? undefined : field('payload', () => checkTemplate(definition.payload!, 'json'));
  return { definition, url, headers, params, ...(payload === undefined ? {} : { payload }) };
}

function field<T>(name: string, compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    if (err instanceof TemplateError) throw new OutputDefinitionError(name, err.message);
    throw err;
  }
}

/** The scheme and host are fixed text (a value may not choose where a delivery goes), http(s), and allowed. */
function checkUrl(source: string, template: Template, allowed: AllowedHosts): void {
  let parsed: URL;
  try {
    parsed = new URL(source.replace(/\$\{[^}]*\}|\$JSON::[A-Za-z0-9_.?:>-]*/g, 'x'));
  } catch {
    throw new OutputDefinitionError('url', `"${source}" is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OutputDefinitionError('url', 'expected an http or https URL');
  if (parsed.username !== '' || parsed.password !== '')
    throw new OutputDefinitionError('url', 'credentials belong in headers, not the URL');
  const authorityEnd = source.indexOf('/', source.indexOf('://') + 3);
  const firstValue = template.parts.find((p) => p.kind !== 'text');
  if (firstValue !== undefined && (authorityEnd < 0 || firstValue.start < authorityEnd)) {
    throw new OutputDefinitionError(
      'url',
      `a template value at offset ${firstValue.start} is part of the host: the host must be fixed text`,
    );
  }
  const refused = allowed.refusesHost(parsed.hostname);
  if (refused !== undefined) throw new OutputDefinitionError('url', refused);
}

/** One rendered request, as a delivery row keeps it. */
export interface RenderedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Renders a delivery; without a payload template the body is `fallback` (the event or result as JSON). */
export function renderRequest(output: CompiledOutput, context: TemplateContext, fallback: unknown): RenderedRequest {
  const url = new URL(field('url', () => renderTemplate(output.url, context, 'url')));
  for (const [name, template] of output.params)
    url.searchParams.append(
      name,
      field(`params.${name}`, () => renderTemplate(template, context, 'param')),
    );
  const headers: Record<string, string> = {};
  for (const [name, template] of output.headers)
    headers[name] = field(`headers.${name}`, () => renderTemplate(template, context, 'header'));
  const method = output.definition.method;
  if (method === 'GET' || method === 'DELETE') return { method, url: url.toString(), headers };
  const body = output.payload ? field('payload', () => renderTemplate(output.payload!, context, 'json')) : JSON.stringify(fallback);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return { method, url: url.toString(), headers, body };
}

/** The definition as listings show it: the secret and header values that look secret masked (invariant 8). */
export function maskedDefinition(definition: OutputDefinition): Record<string, unknown> {
  const { secret, ...rest } = definition;
  return {
    ...rest,
    headers: Object.fromEntries(Object.entries(definition.headers).map(([k, v]) => [k, looksSecret(k) ? '***' : v])),
    ...(secret === undefined ? {} : { secret: '***' }),
  };
}

function looksSecret(header: string): boolean {
  return /authorization|token|secret|key|password|cookie|signature/i.test(header);
}
