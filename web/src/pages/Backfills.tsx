import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.js';
import { count, duration, utc } from '../format.js';
import { usePolled } from '../live.js';
import { canOperate, type BackfillJob, type Page, type Session } from '../types.js';

const ACTIVE = new Set<BackfillJob['state']>(['pending', 'running', 'paused']);

/** The backfill jobs or why there are none to show (a process without the job store answers 501). */
async function loadJobs(signal: AbortSignal): Promise<BackfillJob[] | string> {
  try {
    return (await api<Page<BackfillJob>>(`/backfills${query({ limit: 50 })}`, { signal })).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 501) return 'backfill jobs are not available from this API process';
    throw err;
  }
}

/**
 * Backfill jobs (`/api/v1/backfills`, issue 13), newest first, with progress in finished windows and the API's
 * ETA; operators pause, resume and cancel them (the API refuses the same to a viewer).
 */
export function Backfills(props: { session: Session }) {
  const jobs = usePolled(loadJobs, 2_000);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const operator = canOperate(props.session);

  const change = (job: BackfillJob, action: 'pause' | 'resume' | 'cancel') => {
    if (
      action === 'cancel' &&
      !confirm(`Cancel the backfill of ${utc(job.from)} – ${utc(job.to)}? Windows already queued are still predicted.`)
    )
      return;
    setBusy(job.id);
    setError(undefined);
    const path = `/backfills/${encodeURIComponent(job.id)}`;
    const request =
      action === 'cancel'
        ? api<BackfillJob>(path, { method: 'DELETE' })
        : api<BackfillJob>(path, { method: 'PATCH', body: { state: action === 'pause' ? 'paused' : 'running' } });
    request
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        setBusy(undefined);
        jobs.refresh();
      });
  };

  const list = jobs.value;
  return (
    <div>
      <h2>Backfills</h2>
      {(jobs.error ?? error) && <p class="error">{jobs.error ?? error}</p>}
      {typeof list === 'string' && <p class="muted">{list}</p>}
      {Array.isArray(list) && list.length === 0 && (
        <p class="muted" data-testid="no-backfills">
          No backfill jobs. Start one with <code>latigo backfill --from … --to …</code> or <code>POST /api/v1/backfills</code>.
        </p>
      )}
      <table data-testid="backfills">
        <thead>
          <tr>
            <th>job</th>
            <th>range</th>
            <th>models</th>
            <th>state</th>
            <th>progress</th>
            <th>ETA</th>
            <th>by</th>
            {operator && <th />}
          </tr>
        </thead>
        <tbody>
          {Array.isArray(list) &&
            list.map((job) => {
              const { total, finished, etaSeconds } = job.progress;
              return (
                <tr data-backfill={job.id} data-state={job.state}>
                  <td class="mono">{job.id.slice(0, 8)}</td>
                  <td>
                    {utc(job.from)} – {utc(job.to)}
                  </td>
                  <td>{job.models === null ? 'every model' : job.models.join(', ')}</td>
                  <td class={job.state === 'failed' ? 'bad' : ''} title={job.error ?? undefined}>
                    {job.state}
                  </td>
                  <td>
                    <progress max={Math.max(total, 1)} value={finished} /> {count(finished)}/{total === 0 ? '…' : count(total)}
                  </td>
                  <td>{job.state === 'finished' ? '–' : duration(etaSeconds ?? undefined)}</td>
                  <td>{job.requestedBy}</td>
                  {operator && (
                    <td class="actions">
                      {(job.state === 'pending' || job.state === 'running') && (
                        <button data-action="pause" disabled={busy === job.id} onClick={() => change(job, 'pause')}>
                          Pause
                        </button>
                      )}
                      {job.state === 'paused' && (
                        <button data-action="resume" disabled={busy === job.id} onClick={() => change(job, 'resume')}>
                          Resume
                        </button>
                      )}
                      {ACTIVE.has(job.state) && (
                        <button data-action="cancel" disabled={busy === job.id} onClick={() => change(job, 'cancel')}>
                          Cancel
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
        </tbody>
      </table>
    </div>
  );
}
