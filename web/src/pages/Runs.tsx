import { api } from '../api.js';
import { duration, utc } from '../format.js';
import { usePolled } from '../live.js';
import { etaSeconds, progressOf, sessionRuns } from '../runs.js';
import type { Run, Session } from '../types.js';
import { Backfills } from './Backfills.js';

/** On-demand runs started from this tab, and backfill jobs, with progress and ETA. */
export function Runs(props: { session: Session }) {
  const runs = usePolled((signal) => Promise.all(sessionRuns.ids().map((id) => api<Run>(`/runs/${id}`, { signal }))), 2_000);
  const now = Date.now();
  return (
    <section>
      <h1>Runs and backfills</h1>
      <h2>On-demand runs from this tab</h2>
      {runs.error && <p class="error">{runs.error}</p>}
      {runs.value?.length === 0 && <p class="muted">No run started from this tab yet: start one from a model's page (operators).</p>}
      <table data-testid="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>model</th>
            <th>range</th>
            <th>state</th>
            <th>progress</th>
            <th>ETA</th>
            <th>by</th>
          </tr>
        </thead>
        <tbody>
          {runs.value?.map((run) => {
            const { done, total } = progressOf(run);
            const eta = run.state === 'finished' ? 0 : etaSeconds(run, now);
            return (
              <tr data-run={run.id} data-state={run.state}>
                <td class="mono">{run.id.slice(0, 8)}</td>
                <td>
                  <a href={`#/model/${encodeURIComponent(run.project)}/${encodeURIComponent(run.model)}`}>
                    {run.project}/{run.model}
                  </a>
                </td>
                <td>
                  {utc(run.from)} – {utc(run.to)}
                  {run.rerun ? ' (re-run)' : ''}
                </td>
                <td>{run.state}</td>
                <td>
                  <progress max={total} value={done} /> {done}/{total}
                </td>
                <td>{eta === undefined ? '–' : duration(eta)}</td>
                <td>{run.requestedBy}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Backfills session={props.session} />
    </section>
  );
}
