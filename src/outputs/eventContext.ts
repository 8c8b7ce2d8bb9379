import type { OutputDefinition } from '../config/outputsSections.js';
import type { TemplateContext } from './template/renderTemplate.js';

/** An event as the outbox (src/events) holds it: the fields outputs read. */
export interface OutboxEventLike {
  readonly id: number;
  readonly type: string;
  readonly project: string;
  readonly model: string;
  readonly revision?: string;
  readonly createdAt: number;
  readonly data: unknown;
}

/** The type outputs filter on: `episode.opened`, `window.dead`; the outbox type with its state when it has one. */
export function outputEventType(event: OutboxEventLike): string {
  const state = (event.data as { state?: unknown } | null)?.state;
  return typeof state === 'string' ? `${event.type}.${state}` : event.type;
}

/** An episode's own severity; a dead-lettered window, a stale model and a lost executor are warnings; everything else is info. */
export function eventSeverity(event: OutboxEventLike): 'info' | 'warning' | 'critical' {
  const data = event.data as { severity?: unknown; state?: unknown } | null;
  if (event.type === 'episode' && (data?.severity === 'critical' || data?.severity === 'warning')) return data.severity;
  if (event.type === 'window' && data?.state === 'dead') return 'warning';
  if (event.type === 'model' && data?.state === 'stale') return 'warning';
  if (event.type === 'executor' && data?.state === 'lost') return 'warning';
  return 'info';
}

/** Whether an event passes an output's filter: every list that is not empty must match. */
export function matchesFilter(definition: OutputDefinition, event: OutboxEventLike): boolean {
  const { events, severity, models } = definition.filter;
  const type = outputEventType(event);
  if (events.length > 0 && !events.some((e) => e === type || e === event.type)) return false;
  if (severity.length > 0 && !severity.includes(eventSeverity(event))) return false;
  if (models.length > 0 && !models.some((pattern) => globMatches(pattern, `${event.project}/${event.model}`))) return false;
  return true;
}

/** `*` matches any run of characters (slashes included); everything else is literal. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** The template context of an event (README "Outputs", "Template context"). */
export function eventContext(event: OutboxEventLike, outputId: string): TemplateContext {
  const data = (event.data ?? {}) as Record<string, unknown>;
  return {
    event: {
      id: event.id,
      type: outputEventType(event),
      project: event.project,
      model: event.model,
      revision: event.revision ?? null,
      time: new Date(event.createdAt).toISOString(),
      data,
    },
    ...(event.type === 'episode' ? { episode: data } : {}),
    model: { project: event.project, name: event.model, revision: event.revision ?? null },
    severity: eventSeverity(event),
    output: { id: outputId },
  };
}
