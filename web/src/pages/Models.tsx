import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { count, duration, number, utc } from '../format.js';
import type { ModelTable } from '../types.js';

const ROW_HEIGHT = 28;
const OVERSCAN = 10;
type SortKey = 'name' | 'freshness' | 'anomaly';
type StateFilter = '' | 'fresh' | 'stale' | 'never' | 'anomalous';

/**
 * Every model in one table: filtered and sorted in the page over index arrays (9,000 models in a few ms),
 * and virtualised: only the rows in view (plus a few) are in the DOM, so scrolling costs the same for 90 or 9,000.
 */
export function Models() {
  const [table, setTable] = useState<ModelTable | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [search, setSearch] = useState('');
  const [project, setProject] = useState('');
  const [phase, setPhase] = useState('');
  const [state, setState] = useState<StateFilter>('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'name', descending: false });
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(560);
  const viewport = useRef<HTMLDivElement>(null);

  const load = () => {
    setError(undefined);
    api<ModelTable>('/model-table')
      .then(setTable)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  useEffect(load, []);
  useEffect(() => {
    const el = viewport.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, [table !== undefined]);

  const lowerNames = useMemo(() => table?.model.map((m) => m.toLowerCase()) ?? [], [table]);
  // Each model's place in project/name order, computed once: sorts and their ties then compare integers, not strings.
  const nameRank = useMemo(() => {
    const rank = new Uint32Array(table?.count ?? 0);
    if (table === undefined) return rank;
    const order = Array.from({ length: table.count }, (_, i) => i).sort(
      (a, b) => compare(table.project[a]!, table.project[b]!) || compare(table.model[a]!, table.model[b]!),
    );
    order.forEach((i, position) => (rank[i] = position));
    return rank;
  }, [table]);
  const projects = useMemo(() => [...new Set(table?.project ?? [])].sort(), [table]);
  const phases = useMemo(() => [...new Set(table?.phase ?? [])].sort(), [table]);

  const rows = useMemo(() => {
    if (table === undefined) return new Uint32Array(0);
    const needle = search.trim().toLowerCase();
    const picked: number[] = [];
    for (let i = 0; i < table.count; i++) {
      if (needle !== '' && !lowerNames[i]!.includes(needle) && !table.project[i]!.toLowerCase().includes(needle)) continue;
      if (project !== '' && table.project[i] !== project) continue;
      if (phase !== '' && table.phase[i] !== phase) continue;
      if (state !== '' && stateOf(table, i) !== state && !(state === 'anomalous' && table.anomalyTime?.[i])) continue;
      picked.push(i);
    }
    const sign = sort.descending ? -1 : 1;
    const key = sortValue(table, sort.key, nameRank);
    picked.sort((a, b) => sign * (key(a) - key(b)) || nameRank[a]! - nameRank[b]!);
    return Uint32Array.from(picked);
  }, [table, lowerNames, nameRank, search, project, phase, state, sort]);

  // A new filter starts at the top of the list.
  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [search, project, phase, state, sort]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const header = (key: SortKey, label: string) => (
    <button
      class={`th ${sort.key === key ? 'sorted' : ''}`}
      data-sort={key}
      onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : key !== 'name' })}
    >
      {label} {sort.key === key ? (sort.descending ? '▼' : '▲') : ''}
    </button>
  );

  return (
    <section>
      <h1>
        Models <span class="muted small">{table ? `${count(rows.length)} of ${count(table.count)}` : 'loading…'}</span>
      </h1>
      {error && <p class="error">{error}</p>}
      <div class="filters">
        <input
          type="search"
          placeholder="search model or project"
          name="search"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
        <select name="project" value={project} onChange={(e) => setProject((e.target as HTMLSelectElement).value)}>
          <option value="">all projects</option>
          {projects.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
        <select name="phase" value={phase} onChange={(e) => setPhase((e.target as HTMLSelectElement).value)}>
          <option value="">all phases</option>
          {phases.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
        <select name="state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value as StateFilter)}>
          <option value="">any state</option>
          <option value="fresh">fresh</option>
          <option value="stale">stale</option>
          <option value="never">never predicted</option>
          <option value="anomalous">with an anomaly</option>
        </select>
        <button onClick={load}>Reload</button>
      </div>
      <div class="vtable">
        <div class="vrow vhead">
          {header('name', 'model')}
          <span>project</span>
          <span>phase</span>
          <span>state</span>
          <span>last window end</span>
          {header('freshness', 'staleness')}
          {header('anomaly', 'anomaly score')}
        </div>
        <div
          class="viewport"
          ref={viewport}
          data-testid="models-viewport"
          onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
        >
          <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
            {table !== undefined &&
              Array.from(rows.subarray(first, last), (i, k) => (
                <a
                  class="vrow"
                  key={i}
                  data-model={table.model[i]}
                  href={`#/model/${encodeURIComponent(table.project[i]!)}/${encodeURIComponent(table.model[i]!)}`}
                  style={{ top: `${(first + k) * ROW_HEIGHT}px` }}
                >
                  <span>{table.model[i]}</span>
                  <span>{table.project[i]}</span>
                  <span>{table.phase[i]}</span>
                  <span class={stateOf(table, i) === 'fresh' ? 'good' : 'bad'}>{stateOf(table, i)}</span>
                  <span>{utc(table.lastWindowEnd[i])}</span>
                  <span class="num">{duration(table.stalenessSeconds[i])}</span>
                  <span class="num">{number(table.anomalyScore?.[i])}</span>
                </a>
              ))}
          </div>
        </div>
      </div>
    </section>
  );
}

function stateOf(table: ModelTable, i: number): 'fresh' | 'stale' | 'never' {
  if (table.lastWindowEnd[i] === null) return 'never';
  return table.stale[i] ? 'stale' : 'fresh';
}

/** A number per row to sort by (never NaN: missing values sort last when descending, first when ascending). */
function sortValue(table: ModelTable, key: SortKey, nameRank: Uint32Array): (i: number) => number {
  const finite = (v: number | null | undefined, missing: number) => (v === null || v === undefined || !Number.isFinite(v) ? missing : v);
  if (key === 'freshness') return (i) => finite(table.stalenessSeconds[i], Number.MAX_VALUE);
  if (key === 'anomaly') return (i) => finite(table.anomalyScore?.[i], -Number.MAX_VALUE);
  return (i) => nameRank[i]!;
}

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
