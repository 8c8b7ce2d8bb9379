import type { StoredEvent } from '../../events/eventTypes.js';

/**
 * One event made ready to send to many connections: its JSON written once, and the frame per subscription
 * id (clients tend to share ids such as "s1") kept as a Buffer, so a fan-out to 500 clients serialises it once.
 */
export class PreparedEvent {
  readonly id: number;
  /** `project\0model`, what subscriptions match on. */
  readonly modelKey: string;
  /** The event's JSON without its opening brace, to follow `"subscription":"s1",`. */
  private readonly tail: string;
  private readonly frames = new Map<string, Buffer>();

  constructor(readonly event: StoredEvent) {
    this.id = event.id;
    this.modelKey = modelKey(event.project, event.model);
    const body = {
      id: event.id,
      type: event.type,
      project: event.project,
      model: event.model,
      ...(event.revision === undefined ? {} : { revision: event.revision }),
      createdAt: new Date(event.createdAt).toISOString(),
      data: event.data,
    };
    this.tail = JSON.stringify(body).slice(1);
  }

  /** About the bytes of one frame of it (for the per-connection buffer limit). */
  get bytes(): number {
    return this.tail.length + 40;
  }

  /** The `{"event": {...}}` message for subscription `subscription`. */
  frame(subscription: string): Buffer {
    let frame = this.frames.get(subscription);
    if (frame === undefined) {
      frame = Buffer.from(`{"event":{"subscription":${JSON.stringify(subscription)},${this.tail}}`, 'utf8');
      if (this.frames.size < 16) this.frames.set(subscription, frame);
    }
    return frame;
  }
}

export function modelKey(project: string, model: string): string {
  return `${project}\u0000${model}`;
}
