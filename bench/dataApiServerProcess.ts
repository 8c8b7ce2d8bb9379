import { DataApiServer } from '../test/servers/dataApiServer.js';

/**
 * The loopback Data API for the `data-api` suite, in its own process so the server's JSON work does not
 * share the client's event loop. Series points are generated on request; writes are validated and counted,
 * not kept. Talks to the suite over the IPC channel: `seed`, `stats`.
 */
export interface SeedRequest {
  type: 'seed';
  models: number;
  tags: number;
  outputsPerModel: number;
  fromMs: number;
  stepMs: number;
  count: number;
}
export interface SeedReply {
  type: 'seeded';
  inputIds: string[][];
  outputIds: string[][];
}
export interface StatsReply {
  type: 'stats';
  requests: number;
  writtenPoints: number;
  byRoute: Record<string, number>;
}

const server = await DataApiServer.start({ discardWrites: true });

process.on('message', (message: SeedRequest | { type: 'stats' }) => {
  if (message.type === 'seed') {
    const inputIds: string[][] = [];
    const outputIds: string[][] = [];
    for (let m = 0; m < message.models; m++) {
      inputIds.push(
        Array.from({ length: message.tags }, (_, t) =>
          server.addGeneratedSeries(
            { name: inputTagName(m, t), facility: '1000' },
            {
              fromMs: message.fromMs,
              stepMs: message.stepMs,
              count: message.count,
              valueOf: (i) => 100 + t + Math.sin((i + m) / 10),
            },
          ),
        ),
      );
      // Output series for the plain baseline, which (like the Python latigo's steady state) knows its ids.
      outputIds.push(
        Array.from({ length: message.outputsPerModel }, (_, k) => server.addSeries({ name: `baseline|${m}|${k}`, facility: '1000' })),
      );
    }
    process.send!({ type: 'seeded', inputIds, outputIds } satisfies SeedReply);
  } else {
    const byRoute: Record<string, number> = {};
    for (const r of server.requests) {
      const key = `${r.method} ${r.path.replace(/^.*\/v1\.7/, '') || '/'}`;
      byRoute[key] = (byRoute[key] ?? 0) + 1;
    }
    process.send!({ type: 'stats', requests: server.requests.length, writtenPoints: server.writtenPoints, byRoute } satisfies StatsReply);
  }
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
process.send!({ type: 'ready', baseUrl: server.baseUrl });

export function inputTagName(model: number, tag: number): string {
  return `1000.M${model}-T${tag}`;
}
