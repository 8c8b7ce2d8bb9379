import { z } from 'zod';
import { EVENT_TYPES } from '../../events/eventTypes.js';

/**
 * What a live feed client may send (issue 15): JSON objects with exactly one key naming the message.
 * Each message's body is checked here; a failure names the field (`subscribe.models[0].project: ...`).
 */

const name = z.string().min(1).max(200);
const requestId = z.string().min(1).max(64);

const modelRef = z.strictObject({ project: name, model: name });

export const clientMessages = {
  auth: z.strictObject({ Authorization: z.string().max(4096) }),
  ping: z.record(z.string(), z.unknown()),
  subscribe: z.strictObject({
    id: requestId,
    models: z.union([z.literal('*'), z.array(modelRef).min(1).max(1000)]),
    events: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
    /** Resume after this event id: the events since it (within the outbox's retention) come first. */
    since: z.number().int().nonnegative().optional(),
  }),
  unsubscribe: z.strictObject({ id: requestId }),
  getPredictions: z.strictObject({
    id: requestId.optional(),
    project: name,
    model: name,
    from: z.string().min(1).max(64),
    to: z.string().min(1).max(64),
    cursor: z.string().min(1).max(200).optional(),
    fields: z.string().max(100).optional(),
    revision: name.optional(),
  }),
  getSensorData: z.strictObject({
    id: requestId.optional(),
    project: name,
    model: name,
    from: z.string().min(1).max(64),
    to: z.string().min(1).max(64),
    cursor: z.string().min(1).max(200).optional(),
    resolution: z.string().min(1).max(32).optional(),
  }),
};

export type ClientMessageName = keyof typeof clientMessages;
export type ClientMessage = { [K in ClientMessageName]: { name: K; body: z.output<(typeof clientMessages)[K]> } }[ClientMessageName];

/** A message the server refuses: the text names what is wrong. */
export class MalformedMessage extends Error {}

const names = Object.keys(clientMessages) as ClientMessageName[];

/** Reads one client message; throws MalformedMessage naming the problem. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedMessage('the message is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedMessage('expected a JSON object with one key naming the message');
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new MalformedMessage(`expected exactly one key naming the message, got ${keys.length} (${keys.slice(0, 5).join(', ')})`);
  }
  const key = keys[0]!;
  if (!(names as string[]).includes(key)) {
    throw new MalformedMessage(`unknown message "${key.slice(0, 50)}"; expected one of ${names.join(', ')}`);
  }
  const parsed = clientMessages[key as ClientMessageName].safeParse((value as Record<string, unknown>)[key]);
  if (!parsed.success) {
    let issue = parsed.error.issues[0]!;
    // A union (subscribe.models: "*" or a list) reports "Invalid input" on the whole; name the deepest branch issue instead.
    if (issue.code === 'invalid_union') {
      const deepest = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
      if (deepest !== undefined) issue = { ...deepest, path: [...issue.path, ...deepest.path] };
    }
    throw new MalformedMessage(`${[key, ...issue.path.map(String)].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]')}: ${issue.message}`);
  }
  return { name: key, body: parsed.data } as ClientMessage;
}

/** The error message the server sends (the connection stays open unless the code closes it). */
export function errorMessage(message: string, code: number, id?: string): string {
  return JSON.stringify({ error: { message, code, ...(id === undefined ? {} : { id }) } });
}
