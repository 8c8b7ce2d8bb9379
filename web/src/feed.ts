import { useEffect, useRef, useState } from 'preact/hooks';
import { tokenStore } from './api.js';

/** One event of the live feed (`/ws`, README "Live feed"); `data` by type as in src/events/eventTypes.ts. */
export interface FeedEvent {
  id: number;
  type: 'window' | 'prediction' | 'anomaly' | 'episode';
  project: string;
  model: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export type FeedState = 'connecting' | 'live' | 'offline' | 'refused';

export interface FeedOptions {
  models: '*' | { project: string; model: string }[];
  events: FeedEvent['type'][];
}

/** Below the server's api.ws.heartbeat_timeout (60 s by default), as latigo/client's default. */
const HEARTBEAT_MS = 20_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

declare global {
  interface Window {
    /** The page's open feeds, for the browser tests and the devtools. */
    latigoFeeds?: Set<LiveFeed>;
  }
}

const decoder = new TextDecoder();
const feedUrl = (): string => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

/**
 * The browser's side of the live feed protocol: auth with the session's token, a ping heartbeat, one subscription,
 * and reconnects (doubling delay) that subscribe again with `since` = the last event id seen, so a lost connection
 * or a `lagged` message loses no event. Stops for good on 4401 (the token was refused).
 */
export class LiveFeed {
  private socket: WebSocket | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private delayMs = RECONNECT_MIN_MS;
  private lastId: number | undefined;
  private closed = false;

  constructor(
    private readonly options: FeedOptions,
    private readonly onEvent: (event: FeedEvent) => void,
    private readonly onState: (state: FeedState, detail?: string) => void,
  ) {
    (window.latigoFeeds ??= new Set()).add(this);
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.stop();
    window.latigoFeeds?.delete(this);
  }

  /** Drops the connection as a lost network would; the feed reconnects and resumes (the tests, and the devtools). */
  dropConnection(): void {
    this.socket?.close(4000, 'dropped by the page');
  }

  private connect(): void {
    this.onState('connecting');
    const socket = new WebSocket(feedUrl());
    // The server sends JSON in text frames; a binary frame (an older server wrote events so) is decoded too.
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ auth: { Authorization: `Bearer ${tokenStore.get() ?? ''}` } }));
      this.heartbeat = setInterval(() => socket.send(JSON.stringify({ ping: { at: Date.now() } })), HEARTBEAT_MS);
    };
    socket.onmessage = (message) => this.receive(socket, message.data);
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.stop();
      if (this.closed) return;
      if (close.code === 4401) return this.onState('refused', 'the live feed refused the token');
      this.onState('offline', close.reason || `connection closed (${close.code})`);
      this.retry = setTimeout(() => this.connect(), this.delayMs);
      this.delayMs = Math.min(RECONNECT_MAX_MS, this.delayMs * 2);
    };
  }

  private receive(socket: WebSocket, payload: unknown): void {
    let message: Record<string, unknown>;
    try {
      const text = payload instanceof ArrayBuffer ? decoder.decode(payload) : String(payload);
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('authorized' in message) {
      const subscribe = { id: 'page', models: this.options.models, events: this.options.events };
      socket.send(JSON.stringify({ subscribe: this.lastId === undefined ? subscribe : { ...subscribe, since: this.lastId } }));
    } else if ('subscribed' in message) {
      this.delayMs = RECONNECT_MIN_MS;
      this.onState('live');
    } else if ('event' in message) {
      const event = message.event as FeedEvent;
      if (this.lastId !== undefined && event.id <= this.lastId) return;
      this.lastId = event.id;
      this.onEvent(event);
    } else if ('lagged' in message) {
      // The server dropped our queued events: subscribe again from the last one we have.
      const since = (message.lagged as { since?: number }).since;
      if (this.lastId === undefined && typeof since === 'number') this.lastId = since;
      socket.send(
        JSON.stringify({ subscribe: { id: 'page', models: this.options.models, events: this.options.events, since: this.lastId } }),
      );
    }
  }

  private stop(): void {
    clearInterval(this.heartbeat);
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.onmessage = null;
    // Closing a socket still connecting makes Chromium log an error: close it once it opens instead.
    if (socket.readyState === WebSocket.CONNECTING) socket.onopen = () => socket.close();
    else if (socket.readyState === WebSocket.OPEN) socket.close();
  }
}

/** A live feed for a component's lifetime; `onEvent` may change between renders. */
export function useLiveFeed(options: FeedOptions, onEvent: (event: FeedEvent) => void, deps: unknown[] = []) {
  const [state, setState] = useState<{ state: FeedState; detail?: string }>({ state: 'connecting' });
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const feed = new LiveFeed(
      options,
      (event) => handler.current(event),
      (s, detail) => setState(detail === undefined ? { state: s } : { state: s, detail }),
    );
    return () => feed.close();
  }, deps);
  return state;
}
