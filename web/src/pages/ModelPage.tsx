import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, apiOnce, ApiError, modelPath, query } from '../api.js';
import { Chart, type Shade } from '../chart.js';
import { useLiveFeed } from '../feed.js';
import { Forecast } from '../Forecast.js';
import { LabelButton, useLabels } from '../Labels.js';
import { count, duration, number, utc } from '../format.js';
import { chunksOf, emptySeries, endOf, iso, loadChunk, scoreData, shiftedSeries, tagData, type ModelSeries } from '../modelData.js';
import { progressOf, startRun } from '../runs.js';
import {
  canOperate,
  type Episode,
  type ModelDetail,
  type Page,
  type PredictionsPage,
  type Run,
  type Session,
  type WindowItem,
} from '../types.js';

const RANGES = [
  ['6h', 6],
  ['24h', 24],
  ['3d', 72],
  ['7d', 168],
] as const;
const TAG_COLOURS = ['#2563eb', '#0891b2', '#7c3aed', '#059669', '#d97706', '#db2777', '#4f46e5', '#65a30d', '#0d9488', '#9333ea'];

/** One model: sensor data with the model's output per tag, the score against its threshold, and its ledger. */
export function ModelPage(props: { project: string; model: string; range?: string; session: Session }) {
  const { project, model } = props;
  const [detail, setDetail] = useState<ModelDetail | undefined>(undefined);
  // `#/model/<project>/<model>/7d` opens with that range (a link can show a week).
  const [hours, setHours] = useState<number>(RANGES.find(([label]) => label === props.range)?.[1] ?? 24);
  const [series, setSeries] = useState<ModelSeries | undefined>(undefined);
  const [status, setStatus] = useState<string>('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const [reload, setReload] = useState(0);
  const [episodes, setEpisodes] = useState<{ shades: Shade[]; items: Episode[]; note?: string }>({ shades: [], items: [] });
  const [episodesAsked, setEpisodesAsked] = useState(0);
  const [labelsAsked, setLabelsAsked] = useState(0);
  const labels = useLabels(project, model, labelsAsked);
  const firstChart = useRef(false);
  // The series being shown, which live events extend (the state holds copies, so the charts see new data).
  const current = useRef<ModelSeries | undefined>(undefined);

  useEffect(() => {
    setDetail(undefined);
    apiOnce<ModelDetail>(modelPath(project, model))
      .then(setDetail)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [project, model]);

  const range = useMemo(() => {
    if (detail === undefined) return undefined;
    // On the model's time grid: its buckets are epoch-aligned, so the range's ends are too.
    const step = detail.resolutionSeconds * 1000;
    const end = Math.floor((detail.lastWindowEnd ? Date.parse(detail.lastWindowEnd) : Date.now()) / step) * step;
    return { fromMs: Math.floor((end - hours * 3_600_000) / step) * step, toMs: end };
  }, [detail, hours]);

  useEffect(() => {
    if (range === undefined) return;
    const controller = new AbortController();
    firstChart.current = false;
    performance.clearMarks('latigo:model-load');
    performance.mark('latigo:model-load');
    setStatus('loading sensor data…');
    setError(undefined);
    (async () => {
      // Newest chunk first: it is drawn while the older ones load.
      const loaded = emptySeries(
        detail!.tags.map((t) => t.name),
        range.fromMs,
        range.toMs,
        detail!.resolutionSeconds * 1000,
      );
      current.current = loaded;
      const [first, ...older] = chunksOf(range.fromMs, range.toMs);
      let left = older.length + 1;
      // A live event may have moved the span on meanwhile: fill whichever series is current.
      const read = async ([from, to]: [number, number], eachPart: boolean) => {
        const shown = current.current ?? loaded;
        await loadChunk(project, model, shown, from, to, controller.signal, () => setSeries({ ...(current.current ?? loaded) }), eachPart);
        left -= 1;
        setStatus(
          `${count(shown.rows)} rows × ${shown.tags.length} tags · ${count(shown.predictions)} predictions${left > 0 ? ' · loading older data…' : ''}`,
        );
      };
      // The newest chunk alone (drawn as soon as its sensor data lands), then the older days two at a time,
      // newest first: the api reads one while the page parses the other.
      if (first !== undefined) await read(first, true);
      const next = () => older.shift();
      const worker = async () => {
        for (let chunk = next(); chunk !== undefined; chunk = next()) await read(chunk, false);
      };
      await Promise.all([worker(), worker()]);
      performance.mark('latigo:model-complete');
    })().catch((err: unknown) => {
      if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => controller.abort();
  }, [project, model, range, reload]);

  // The model's episodes over the range (an open one is drawn to the newest data).
  const shownTo = series === undefined ? range?.toMs : endOf(series);
  useEffect(() => {
    if (range === undefined || shownTo === undefined) return;
    const controller = new AbortController();
    api<{ items: Episode[] }>(`${modelPath(project, model)}/episodes${query({ from: iso(range.fromMs), to: iso(shownTo), limit: 500 })}`, {
      signal: controller.signal,
    })
      .then(({ items }) =>
        setEpisodes({
          items,
          shades: items.map((e): Shade => [Date.parse(e.start) / 1000, (e.end === null ? shownTo : Date.parse(e.end)) / 1000]),
        }),
      )
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const note = err instanceof ApiError && err.status === 501 ? 'episodes are not available from this API process' : String(err);
        setEpisodes({ items: [], shades: [], note });
      });
    return () => controller.abort();
  }, [project, model, range, episodesAsked]);

  // Reads [fromMs, toMs) into the chart, moving the span on when that is newer than its end; from the end of
  // what the chart holds, if earlier, so a window whose event never came (stored while the feed was down) is
  // read with the next one instead of leaving a hole.
  const readNewer = (fromMs: number, toMs: number) => {
    const shown = current.current;
    if (shown === undefined || !(fromMs < toMs) || toMs <= shown.fromMs) return;
    const next = shiftedSeries(shown, toMs);
    current.current = next;
    const update = () => current.current === next && setSeries({ ...next });
    loadChunk(project, model, next, Math.max(Math.min(fromMs, endOf(shown)), next.fromMs), toMs, new AbortController().signal, update)
      .then(() => setEpisodesAsked((n) => n + 1))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };

  // Live: a stored window's predictions are read into the chart; an episode event reloads the episodes.
  const feed = useLiveFeed(
    { models: [{ project, model }], events: ['prediction', 'episode'] },
    (event) => {
      if (event.type === 'episode') return setEpisodesAsked((n) => n + 1);
      if (event.type === 'prediction') readNewer(Date.parse(String(event.data.from)), Date.parse(String(event.data.to)));
    },
    [project, model],
  );
  // The chart's range came from reads made before the subscription (or before a reconnect), the model's last window
  // from a cache (api.catalog_cache): windows stored meanwhile send no event. Once subscribed with a range drawn,
  // the ledger is asked for the windows since the chart's end, and the newest is read in.
  useEffect(() => {
    if (feed.state !== 'live' || range === undefined || detail === undefined) return;
    const controller = new AbortController();
    (async () => {
      const shown = current.current;
      if (shown === undefined) return;
      const since = endOf(shown) - (detail.schedule.intervalSeconds ?? 0) * 1000;
      let newest = 0;
      let cursor: string | undefined;
      do {
        const page = await api<Page<WindowItem>>(
          `${modelPath(project, model)}/windows${query({ from: iso(since), state: 'succeeded', limit: 500, cursor })}`,
          { signal: controller.signal },
        );
        for (const w of page.items) newest = Math.max(newest, Date.parse(w.to));
        cursor = page.next;
      } while (cursor !== undefined);
      const now = current.current ?? shown;
      if (newest > endOf(now)) readNewer(endOf(now), newest);
    })().catch((err: unknown) => {
      if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => controller.abort();
  }, [feed.state, range]);

  const onFirstDraw = () => {
    if (firstChart.current) return;
    firstChart.current = true;
    performance.mark('latigo:first-chart');
  };
  const tagSeries = useMemo(
    () =>
      series?.tags.map((tag, t) => [
        { label: tag, stroke: TAG_COLOURS[t % TAG_COLOURS.length]! },
        { label: 'model output', stroke: '#111827', dash: [4, 3] },
      ]) ?? [],
    [series?.tags.join('\n')],
  );
  const score = useMemo(() => (series ? scoreData(series) : undefined), [series]);
  const pickAt = (x: number) => setPicked(Math.round(x * 1000));
  // What the charts show now (zoomed or not): the span a new label covers.
  const shownSpan = (): [number, number] | undefined => {
    const x = window.latigoCharts?.score?.scales.x;
    return x?.min === undefined || x.max === undefined ? undefined : [x.min, x.max];
  };

  return (
    <section>
      <h1>
        <a href="#/models">Models</a> / {project}/{model}
      </h1>
      {error && <p class="error">{error}</p>}
      {detail && (
        <p class="muted" data-testid="model-facts">
          revision {detail.revision} · phase {detail.phase} · {detail.tags.length} tags at {duration(detail.resolutionSeconds)} · every{' '}
          {duration(detail.schedule.intervalSeconds)} · last window {utc(detail.lastWindowEnd)} ({detail.stale ? 'stale' : 'fresh'})
          {detail.openAnomaly && <span class="bad"> · anomalous now (score {number(detail.openAnomaly.totalAnomaly)})</span>}
        </p>
      )}
      <div class="toolbar">
        <span>range:</span>
        {RANGES.map(([label, h]) => (
          <button class={h === hours ? 'on' : ''} onClick={() => setHours(h)}>
            {label}
          </button>
        ))}
        <span class="muted small" data-testid="chart-status">
          {status}
        </span>
        <span class={`feed small ${feed.state}`} data-testid="feed-state" data-state={feed.state} title={feed.detail}>
          {feed.state === 'live' ? 'live' : `live feed ${feed.state}`}
        </span>
        {canOperate(props.session) && range && (
          <RunButtons project={project} model={model} range={range} onFinished={() => setReload((r) => r + 1)} />
        )}
        {canOperate(props.session) && labels.available && (
          <LabelButton project={project} model={model} span={shownSpan} onAdded={() => setLabelsAsked((n) => n + 1)} />
        )}
      </div>
      <p class="muted small">
        Shaded red: anomalous stretches from the stored flags; amber, with a strip along the bottom: anomaly episodes (
        <span data-testid="episode-count">{episodes.note ?? `${episodes.items.length} in the range`}</span>). A forecast model's latest
        forecast, with its interval, is drawn below the charts. Violet, with a strip along the top: labelled intervals (
        <span data-testid="label-count">{labels.note ?? `${labels.items.length} labels`}</span>). Click a chart for the per-tag
        contributions at that time; drag to zoom, double-click to reset.
      </p>
      {series && score && (
        <div class="charts">
          <Chart
            name="score"
            title="total anomaly score vs threshold"
            height={170}
            series={[
              { label: 'total anomaly', stroke: '#dc2626', width: 1.5 },
              { label: 'threshold', stroke: '#6b7280', dash: [6, 4] },
            ]}
            data={score}
            shades={series.anomalous}
            episodes={episodes.shades}
            labels={labels.shades}
            onPick={pickAt}
            onFirstDraw={onFirstDraw}
          />
          {picked !== undefined && <Contributions project={project} model={model} timeMs={picked} />}
          {series.tags.map((tag, t) => (
            <Chart
              name={`tag-${t}`}
              title={tag}
              height={120}
              series={tagSeries[t]!}
              data={tagData(series, t)}
              shades={series.anomalous}
              episodes={episodes.shades}
              labels={labels.shades}
              onPick={pickAt}
              onFirstDraw={onFirstDraw}
            />
          ))}
        </div>
      )}
      <Forecast project={project} model={model} />
      {range && (
        <Ledger
          project={project}
          model={model}
          toMs={shownTo ?? range.toMs}
          intervalSeconds={detail?.schedule.intervalSeconds ?? 600}
          reload={reload}
        />
      )}
    </section>
  );
}

/** Per-tag anomaly contributions at one time, largest first. */
function Contributions(props: { project: string; model: string; timeMs: number }) {
  const [row, setRow] = useState<{ time: string; bars: [string, number][] } | undefined>(undefined);
  const [note, setNote] = useState('loading contributions…');
  useEffect(() => {
    const controller = new AbortController();
    // The stored row at or just before the picked time: a range ending just after it, newest row last.
    const from = iso(props.timeMs - 3_600_000);
    const to = iso(props.timeMs + 1);
    api<PredictionsPage>(
      `${modelPath(props.project, props.model)}/predictions${query({ from, to, fields: 'contributions', limit: 10_000 })}`,
      {
        signal: controller.signal,
      },
    )
      .then((page) => {
        const item = page.items.at(-1);
        if (item?.contributions === undefined) return setNote('no prediction stored at this time');
        const bars = Object.entries(item.contributions)
          .map(([tag, v]): [string, number] => [tag, v ?? 0])
          .sort((a, b) => b[1] - a[1]);
        setRow({ time: item.time, bars });
      })
      .catch((err: unknown) => !controller.signal.aborted && setNote(err instanceof Error ? err.message : String(err)));
    return () => controller.abort();
  }, [props.timeMs]);
  if (row === undefined) return <p class="muted small">{note}</p>;
  const max = Math.max(...row.bars.map(([, v]) => Math.abs(v)), Number.MIN_VALUE);
  return (
    <div class="bars" data-testid="contributions">
      <h3>Contributions at {utc(row.time)}</h3>
      {row.bars.map(([tag, v]) => (
        <div class="bar">
          <span class="label">{tag}</span>
          <span class="track">
            <span class="fill" style={{ width: `${(100 * Math.abs(v)) / max}%` }} />
          </span>
          <span class="num">{number(v, 3)}</span>
        </div>
      ))}
    </div>
  );
}

/** Operators' buttons: run the newest hour again now, or re-run the shown range; then follow the run. */
function RunButtons(props: { project: string; model: string; range: { fromMs: number; toMs: number }; onFinished: () => void }) {
  const [run, setRun] = useState<Run | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (run === undefined || run.state === 'finished') return;
    const timer = setTimeout(() => {
      api<Run>(`/runs/${run.id}`)
        .then((r) => {
          setRun(r);
          if (r.state === 'finished') props.onFinished();
        })
        .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    }, 1_000);
    return () => clearTimeout(timer);
  }, [run]);
  const go = (body: { last: string } | { from: string; to: string }) => {
    setError(undefined);
    startRun(props.project, props.model, body, true)
      .then(setRun)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  const progress = run ? progressOf(run) : undefined;
  return (
    <span class="actions">
      <button data-action="run-now" onClick={() => go({ last: '1h' })} title="Predict the windows of the last hour again, now">
        Run now
      </button>
      <button
        data-action="rerun-range"
        onClick={() =>
          confirm('Recompute every window of the shown range? Stored predictions are replaced.') &&
          go({ from: iso(props.range.fromMs), to: iso(props.range.toMs) })
        }
      >
        Re-run range
      </button>
      {run && (
        <span class="run-status" data-testid="run-status" data-state={run.state ?? 'running'}>
          run {run.id.slice(0, 8)}: {run.state ?? 'queued'} · {progress?.done ?? 0}/{progress?.total ?? run.windows} windows
          {run.windowsByState?.succeeded !== undefined && ` · ${run.windowsByState.succeeded} succeeded`}
        </span>
      )}
      {error && <span class="error">{error}</span>}
    </span>
  );
}

/** The window ledger of the newest windows of the range, newest first. */
function Ledger(props: { project: string; model: string; toMs: number; intervalSeconds: number; reload: number }) {
  const [filter, setFilter] = useState('');
  const [rows, setRows] = useState<WindowItem[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const from = iso(props.toMs - 100 * props.intervalSeconds * 1000);
    const states =
      filter === ''
        ? ''
        : filter
            .split(',')
            .map((s) => `&state=${s}`)
            .join('');
    api<Page<WindowItem>>(`${modelPath(props.project, props.model)}/windows${query({ from, limit: 100 })}${states}`)
      .then((page) => setRows(page.items.reverse()))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [props.project, props.model, props.toMs, filter, props.reload]);
  return (
    <div>
      <h2>
        Window ledger{' '}
        <select value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value)}>
          <option value="">every state</option>
          <option value="failed,dead,insufficient_data">problems</option>
          <option value="queued,running">open</option>
        </select>
      </h2>
      {error && <p class="error">{error}</p>}
      <table data-testid="ledger">
        <thead>
          <tr>
            <th>from</th>
            <th>to</th>
            <th>state</th>
            <th>origin</th>
            <th class="num">attempts</th>
            <th class="num">rows</th>
            <th>finished</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((w) => (
            <tr data-state={w.state}>
              <td>{utc(w.from)}</td>
              <td>{utc(w.to)}</td>
              <td class={w.state === 'succeeded' ? 'good' : w.state === 'queued' || w.state === 'running' ? '' : 'bad'}>{w.state}</td>
              <td>{w.origin}</td>
              <td class="num">{w.attempts}</td>
              <td class="num">{w.rowsWritten ?? '–'}</td>
              <td>{utc(w.finishedAt)}</td>
              <td class="small">{w.errorClass ? `${w.errorClass}: ${w.errorMessage ?? ''}` : ''}</td>
            </tr>
          ))}
          {rows?.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                no windows
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
