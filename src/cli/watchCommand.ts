import { LiveFeedClient, type LiveEvent } from '../client/LiveFeedClient.js';
import { ConfigError, describeError } from '../runtime/errors.js';
import { isEventType, type EventType } from '../events/eventTypes.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

export interface WatchOptions {
  model?: string[];
  events?: string;
  url?: string;
  token?: string;
  since?: number;
  json?: boolean;
}

/**
 * `latigo watch [--model project/model] [--events anomaly,window]`: prints the live feed's events as they
 * happen (a line each, or JSON lines with --json), until Ctrl-C. Reconnects by itself, missing nothing.
 */
export async function runWatch(options: WatchOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'watch', logTo: 'stderr', stoppable: true }, async ({ config, log, stopSignal }) => {
    const models = (options.model ?? []).map((text) => {
      const [project, model, extra] = text.split('/');
      if (!project || !model || extra !== undefined) throw new ConfigError('--model', `expected project/model, got "${text}"`);
      return { project, model };
    });
    const events = options.events?.split(',').map((e) => e.trim());
    const unknown = events?.find((e) => !isEventType(e));
    if (unknown !== undefined)
      throw new ConfigError('--events', `unknown event type "${unknown}"; expected window, prediction, anomaly, episode`);
    const host = config.api.address.includes(':') ? `[${config.api.address}]` : config.api.address;
    const client = await LiveFeedClient.connect({
      url: options.url ?? `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.api.port}/ws`,
      ...(options.token === undefined ? {} : { token: options.token }),
      models: models.length > 0 ? models : '*',
      ...(events === undefined ? {} : { events: events as EventType[] }),
      ...(options.since === undefined ? {} : { since: options.since }),
      heartbeatMs: Math.max(1_000, Math.floor(config.api.ws.heartbeatTimeoutMs / 3)),
      onError: (err) => log.warn('live feed', { error: describeError(err) }),
    });
    process.stderr.write(`watching ${models.length > 0 ? options.model!.join(', ') : 'every model'} (Ctrl-C stops)\n`);
    stopSignal.addEventListener('abort', () => client.close(), { once: true });
    for await (const event of client) process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${formatEvent(event)}\n`);
  });
}

/** One line per event: time, type, model and what happened. */
export function formatEvent(event: LiveEvent): string {
  const head = `${event.createdAt}  #${event.id}  ${event.type.padEnd(10)} ${event.project}/${event.model}`;
  switch (event.type) {
    case 'window': {
      const d = event.data;
      const error = d.errorMessage === undefined ? '' : `  ${d.errorClass ?? 'error'}: ${d.errorMessage}`;
      return `${head}  ${d.from} .. ${d.to}  ${d.state}${d.rowsWritten === undefined ? '' : ` (${d.rowsWritten} rows)`}${error}`;
    }
    case 'prediction': {
      const d = event.data;
      return `${head}  ${d.from} .. ${d.to}  ${d.rows} rows, ${d.anomalies} anomalous, max score ${d.maxTotalAnomaly?.toFixed(3) ?? '-'}`;
    }
    case 'anomaly': {
      const d = event.data;
      const tags = d.topTags.map((t) => `${t.tag} (${t.contribution.toFixed(2)})`).join(', ');
      return `${head}  ${d.time}  score ${d.totalAnomaly.toFixed(3)} > ${d.threshold}  ${tags}`;
    }
    case 'episode':
      return `${head}  ${event.data.state}  ${JSON.stringify(event.data)}`;
    case 'model':
      return `${head}  ${event.data.state}  newest finished window ends ${event.data.lastFinishedTo ?? 'never'}`;
    case 'executor':
      return `${head}  ${event.data.state}  ${event.data.host} pid ${event.data.pid}, last heartbeat ${event.data.lastSeen}`;
  }
}
