import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.js';
import { useLiveFeed, type FeedEvent } from '../feed.js';
import { count, duration, number, utc } from '../format.js';
import { throttled, usePolled } from '../live.js';
import type { Episode, Freshness, ModelTable, Page, ProcessInfo, QueueStatus } from '../types.js';

const windowStates = ['queued', 'running', 'succeeded', 'insufficient_data', 'failed', 'dead'] as const;

/** The open episodes, or why there are none to show (a process without the episode store answers 501). */
async function openEpisodes(signal: AbortSignal): Promise<Episode[] | string> {
  try {
    return (await api<{ items: Episode[] }>(`/episodes${query({ open: 'true', limit: 50 })}`, { signal })).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 501) return 'episodes are not available from this API process';
    throw err;
  }
}

/**
 * Counts by state, queue depth and lag, executors, freshness breaches, open episodes and recent anomalies, kept
 * current by the live feed: a window event reloads the counts at once (at most once a second), an episode event
 * the episodes. The polls stay, slower, for what no event reports (an executor lost, staleness growing).
 */
export function Overview() {
  const queue = usePolled((signal) => api<QueueStatus>('/queue', { signal }), 5_000);
  const processes = usePolled((signal) => api<Page<ProcessInfo>>(`/executors${query({ limit: 200 })}`, { signal }), 5_000);
  const freshness = usePolled((signal) => api<Freshness>('/freshness', { signal }), 15_000);
  const table = usePolled((signal) => api<ModelTable>('/model-table', { signal }), 60_000);
  const episodes = usePolled(openEpisodes, 60_000);
  const [stored, setStored] = useState<{ count: number; recent: FeedEvent[] }>({ count: 0, recent: [] });
  const wake = useMemo(
    () => ({
      counts: throttled(() => (queue.refresh(), processes.refresh()), 1_000),
      models: throttled(() => (freshness.refresh(), table.refresh()), 5_000),
      episodes: throttled(() => episodes.refresh(), 1_000),
    }),
    [],
  );
  // The refresh functions change each render; the throttled wrappers above call the first ones, which wake the
  // same (mount-long) loops.
  const feed = useLiveFeed({ models: '*', events: ['window', 'prediction', 'episode'] }, (event) => {
    if (event.type === 'window') {
      wake.counts();
      if (event.data.state === 'succeeded') setStored((s) => ({ count: s.count + 1, recent: [event, ...s.recent].slice(0, 8) }));
    } else if (event.type === 'prediction') wake.models();
    else wake.episodes();
  });
  // The first loads ran before the subscription: events of that gap (the demo's catch-up finishing, a model
  // turning fresh) never come, so once subscribed (again, after a reconnect) everything is read once more.
  useEffect(() => {
    if (feed.state !== 'live') return;
    wake.counts();
    wake.models();
    wake.episodes();
  }, [feed.state]);
  const error = queue.error ?? processes.error ?? freshness.error;

  const recent = table.value === undefined ? [] : recentAnomalies(table.value, 8);
  const executors = processes.value?.items ?? [];
  const live = executors.filter((p) => p.state === 'live' && p.role === 'executor');
  return (
    <section>
      <h1>
        Overview <span class="muted small">{queue.updatedAt ? `updated ${new Date(queue.updatedAt).toLocaleTimeString()}` : ''}</span>{' '}
        <span class={`feed small ${feed.state}`} data-testid="feed-state" data-state={feed.state} title={feed.detail}>
          {feed.state === 'live' ? 'live' : feed.state === 'refused' ? 'live feed refused' : `live feed ${feed.state}, polling`}
        </span>
      </h1>
      {error && <p class="error">{error}</p>}
      <div class="cards">
        <div class="card" data-testid="models-card">
          <h2>Models</h2>
          <p class="big">{count(freshness.value?.models)}</p>
          <p>
            <span class={freshness.value?.stale.length ? 'bad' : 'good'}>{count(freshness.value?.stale.length)} stale</span> (SLO{' '}
            {duration(freshness.value?.maxStalenessSeconds)})
          </p>
        </div>
        <div class="card" data-testid="queue-card">
          <h2>Queue</h2>
          <p class="big">{count(queue.value?.depth?.ready ?? queue.value?.windows.queued)}</p>
          <p>
            ready · {count(queue.value?.depth?.leased)} leased · {count(queue.value?.depth?.delayed)} delayed · lag{' '}
            {duration(queue.value?.lagSeconds)}
          </p>
          <p>
            dead letters: <a href="#/dead-letters">{count(queue.value?.dead)}</a>
          </p>
        </div>
        <div class="card" data-testid="executors-card">
          <h2>Executors</h2>
          <p class="big">{live.length} live</p>
          <p>
            {executors.filter((p) => p.state === 'lost').length} lost · {number(live.reduce((s, p) => s + p.rate, 0))} tasks/s
          </p>
        </div>
      </div>

      <h2>Windows by state</h2>
      <table class="compact" data-testid="window-states" data-loads={queue.loads}>
        <tr>
          {windowStates.map((s) => (
            <th>{s.replace('_', ' ')}</th>
          ))}
        </tr>
        <tr>
          {windowStates.map((s) => (
            <td data-state={s}>{count(queue.value?.windows[s])}</td>
          ))}
        </tr>
      </table>

      <h2>Processes</h2>
      <table data-testid="processes" data-loads={processes.loads}>
        <thead>
          <tr>
            <th>name</th>
            <th>role</th>
            <th>state</th>
            <th>host / pid</th>
            <th class="num">in flight</th>
            <th class="num">done</th>
            <th class="num">failed</th>
            <th class="num">rate /s</th>
            <th>last seen</th>
          </tr>
        </thead>
        <tbody>
          {executors.map((p) => (
            <tr data-process={p.name}>
              <td>{p.name}</td>
              <td>{p.role}</td>
              <td class={p.state === 'live' ? 'good' : 'bad'}>{p.state}</td>
              <td>
                {p.host} / {p.pid}
              </td>
              <td class="num">{p.inFlight}</td>
              <td class="num">{count(p.done)}</td>
              <td class="num">{count(p.failed)}</td>
              <td class="num">{number(p.rate)}</td>
              <td>{utc(p.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Windows stored since this page opened</h2>
      <p data-testid="stored-live" data-count={stored.count}>
        {count(stored.count)} windows stored
        {stored.recent.length > 0 && (
          <span class="muted">
            {' '}
            · newest:{' '}
            {stored.recent.slice(0, 4).map((e) => (
              <span>
                <a href={`#/model/${encodeURIComponent(e.project)}/${encodeURIComponent(e.model)}`}>
                  {e.project}/{e.model}
                </a>{' '}
                {utc(String(e.data.to))}{' '}
              </span>
            ))}
          </span>
        )}
      </p>

      <div class="two">
        <div>
          <h2>Open episodes</h2>
          {typeof episodes.value === 'string' && <p class="muted small">{episodes.value}</p>}
          <ul class="list" data-testid="open-episodes">
            {Array.isArray(episodes.value) &&
              episodes.value.map((e) => (
                <li data-episode={e.id}>
                  <a href={`#/model/${encodeURIComponent(e.project)}/${encodeURIComponent(e.model)}`}>
                    {e.project}/{e.model}
                  </a>{' '}
                  <span class={e.severity === 'critical' ? 'bad' : 'muted'}>{e.severity}</span>{' '}
                  <span class="muted">
                    since {utc(e.start)} · peak {number(e.peakScore)} / {number(e.threshold)} · {e.topTags[0]?.tag ?? ''}
                  </span>
                </li>
              ))}
            {Array.isArray(episodes.value) && episodes.value.length === 0 && <li class="muted">no open episode</li>}
          </ul>
        </div>
        <div>
          <h2>Freshness SLO breaches</h2>
          {freshness.value?.stale.length === 0 && <p class="good">Every model is within its SLO.</p>}
          <ul class="list" data-testid="slo-breaches">
            {freshness.value?.stale.slice(0, 12).map((m) => (
              <li data-model={`${m.project}/${m.model}`}>
                <a href={`#/model/${encodeURIComponent(m.project)}/${encodeURIComponent(m.model)}`}>
                  {m.project}/{m.model}
                </a>{' '}
                <span class="muted">{m.stalenessSeconds === null ? 'never predicted' : `${duration(m.stalenessSeconds)} old`}</span>
              </li>
            ))}
            {(freshness.value?.stale.length ?? 0) > 12 && (
              <li>
                <a href="#/models">and {count((freshness.value?.stale.length ?? 0) - 12)} more</a>
              </li>
            )}
          </ul>
        </div>
        <div>
          <h2>Recent anomalies</h2>
          <p class="muted small">Each model's newest anomalous timestamp.</p>
          <ul class="list" data-testid="recent-anomalies">
            {recent.map((a) => (
              <li>
                <a href={`#/model/${encodeURIComponent(a.project)}/${encodeURIComponent(a.model)}`}>
                  {a.project}/{a.model}
                </a>{' '}
                <span class="muted">
                  {utc(a.time)} · score {number(a.score)}
                </span>
              </li>
            ))}
            {table.value !== undefined && recent.length === 0 && <li class="muted">none stored</li>}
          </ul>
        </div>
      </div>
    </section>
  );
}

function recentAnomalies(table: ModelTable, limit: number) {
  const rows: { project: string; model: string; time: string; score: number | null }[] = [];
  table.anomalyTime?.forEach((time, i) => {
    if (time !== null) rows.push({ project: table.project[i]!, model: table.model[i]!, time, score: table.anomalyScore?.[i] ?? null });
  });
  return rows.sort((a, b) => (a.time < b.time ? 1 : -1)).slice(0, limit);
}
