import { parseTemplate, TemplateError, type Template } from './parseTemplate.js';
import { renderTemplate, type TemplateContext, type TemplateTarget } from './renderTemplate.js';

/**
 * The documented context of a template (README "Outputs"): its roots, and for the roots latigo shapes
 * itself the fields they hold. Paths under `event.data`, `run.meta`, `request` and `response` are free:
 * they carry what a client or another process wrote.
 */
export const CONTEXT_FIELDS: Readonly<Record<string, readonly string[] | 'any'>> = {
  event: ['id', 'type', 'project', 'model', 'revision', 'time', 'data'],
  episode: [
    'id',
    'project',
    'model',
    'revision',
    'start',
    'end',
    'lastAnomalyEnd',
    'open',
    'points',
    'peakScore',
    'meanScore',
    'threshold',
    'severity',
    'topTags',
  ],
  model: ['project', 'name', 'revision'],
  run: 'any',
  request: 'any',
  response: 'any',
  severity: [],
  output: ['id'],
  delivery: ['id'],
};

/** Parses `source` and checks its paths name the documented context; the error names the position. */
export function compileTemplate(source: string): Template {
  const template = parseTemplate(source);
  for (const part of template.parts) {
    const paths = part.kind === 'value' ? [part.path] : part.kind === 'object' ? part.members.map((m) => m.path) : [];
    for (const path of paths) {
      const root = path[0]!;
      const fields = Object.hasOwn(CONTEXT_FIELDS, root) ? CONTEXT_FIELDS[root] : undefined;
      if (fields === undefined) {
        throw new TemplateError(
          `unknown path "${path.join('.')}": it must start with one of ${Object.keys(CONTEXT_FIELDS).join(', ')}`,
          part.start,
          source,
        );
      }
      const field = path[1];
      if (fields !== 'any' && field !== undefined && !fields.includes(field) && root !== 'event') {
        throw new TemplateError(`unknown path "${path.join('.')}": ${root} has ${fields.join(', ') || 'no fields'}`, part.start, source);
      }
      if (root === 'event' && field !== undefined && !(fields as readonly string[]).includes(field)) {
        throw new TemplateError(
          `unknown path "${path.join('.')}": event has ${(fields as readonly string[]).join(', ')}`,
          part.start,
          source,
        );
      }
    }
  }
  return template;
}

/** Compiles and renders once against the sample context, so a template that cannot render for `target` is refused at save. */
export function checkTemplate(source: string, target: TemplateTarget): Template {
  const template = compileTemplate(source);
  renderTemplate(template, sampleContext(), target);
  return template;
}

/** A context with every documented field, its strings awkward on purpose (quotes, backslashes, `${`, unicode). */
export function sampleContext(): TemplateContext {
  const awkward = 'pump "02" \\ ${x} ✓';
  const episode = {
    id: 'ep_0123456789abcdef01234567',
    project: 'demo',
    model: awkward,
    revision: '1',
    start: '2026-01-01T14:05:00.000Z',
    end: null,
    lastAnomalyEnd: '2026-01-01T14:20:00.000Z',
    open: true,
    points: 90,
    peakScore: 12.5,
    meanScore: 6.25,
    threshold: 4,
    severity: 'critical',
    topTags: [
      { tag: 'discharge_pressure', share: 0.6 },
      { tag: 'vibration', share: 0.3 },
    ],
  };
  return {
    event: {
      id: 1,
      type: 'episode.opened',
      project: 'demo',
      model: awkward,
      revision: '1',
      time: '2026-01-01T14:20:00.000Z',
      data: { episode },
    },
    episode,
    model: { project: 'demo', name: awkward, revision: '1' },
    severity: 'critical',
    run: {
      id: '00000000-0000-4000-8000-000000000000',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T01:00:00.000Z',
      meta: { assetId: 'A-1' },
    },
    request: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z', meta: { assetId: 'A-1' } },
    response: { state: 'finished', windowsByState: { succeeded: 6 } },
    output: { id: 'sample' },
    delivery: { id: '00000000-0000-4000-8000-000000000001' },
  };
}
