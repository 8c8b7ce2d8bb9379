import { parentPort } from 'node:worker_threads';
import { LineProtocolParser, type LineProtocolOptions } from './lineProtocolPoints.js';
import { packChunk, type PackedChunk } from './packedChunk.js';
import type { ParsedChunk } from './ParsedChunk.js';

/**
 * A parse worker of LineProtocolWorkerPool: one LineProtocolParser per session (request body), fed the
 * pieces the main thread sends. Every `piece` and `end` is answered with one `parsed` message (the chunks
 * it completed, packed), in order, so the main thread knows how far the parse has come.
 */
export type ToParseWorker =
  | { type: 'open'; session: number; options: Omit<LineProtocolOptions, 'now'> }
  /** `nowMs`: the server's clock when the piece arrived, the time of its lines without a timestamp. */
  | { type: 'piece'; session: number; bytes: Uint8Array; nowMs: number }
  | { type: 'end'; session: number }
  | { type: 'close'; session: number };

export type FromParseWorker = { session: number; chunks: PackedChunk[] } | { session: number; error: string };

interface Session {
  parser: LineProtocolParser;
  nowMs: number;
}

const port = parentPort;
if (port === null) throw new Error('lineProtocolWorker runs as a worker thread');
const sessions = new Map<number, Session>();

port.on('message', (message: ToParseWorker) => {
  const { session: id } = message;
  try {
    switch (message.type) {
      case 'open': {
        const session: Session = { nowMs: 0, parser: undefined! };
        session.parser = new LineProtocolParser({ ...message.options, now: () => session.nowMs });
        sessions.set(id, session);
        return;
      }
      case 'piece': {
        const session = sessionOf(id);
        session.nowMs = message.nowMs;
        const { bytes } = message;
        reply(id, session.parser.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
        return;
      }
      case 'end': {
        const chunks = sessionOf(id).parser.end();
        sessions.delete(id);
        reply(id, chunks);
        return;
      }
      case 'close':
        sessions.delete(id);
        return;
    }
  } catch (err) {
    sessions.delete(id);
    port.postMessage({ session: id, error: err instanceof Error ? err.message : String(err) } satisfies FromParseWorker);
  }
});

function sessionOf(id: number): Session {
  const session = sessions.get(id);
  if (session === undefined) throw new Error(`no parse session ${id}`);
  return session;
}

function reply(session: number, chunks: ParsedChunk[]): void {
  const packed: PackedChunk[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const chunk of chunks) {
    const p = packChunk(chunk);
    packed.push(p.packed);
    transfer.push(...p.transfer);
  }
  port!.postMessage({ session, chunks: packed } satisfies FromParseWorker, transfer);
}
