import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { utc } from '../format.js';
import { canOperate, type DeadLetter, type Page, type Session } from '../types.js';

/** The queue's dead letters with their reasons; operators re-drive one or all. */
export function DeadLetters(props: { session: Session }) {
  const [page, setPage] = useState<Page<DeadLetter> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api<Page<DeadLetter>>('/dead-letters?limit=100')
      .then(setPage)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  useEffect(() => void load(), []);

  const redrive = (body: { ids: string[] } | { all: true }) => {
    setBusy(true);
    setError(undefined);
    api<{ redriven: number; windows: number }>('/dead-letters/redrive', { method: 'POST', body })
      .then((r) =>
        setDone(
          `Re-drove ${r.redriven} message${r.redriven === 1 ? '' : 's'}; ${r.windows} window${r.windows === 1 ? '' : 's'} queued again.`,
        ),
      )
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        setBusy(false);
        void load();
      });
  };
  const operator = canOperate(props.session);
  return (
    <section>
      <h1>
        Dead letters <span class="muted small">{page ? `${page.items.length}${page.next ? '+' : ''}` : ''}</span>
      </h1>
      {error && <p class="error">{error}</p>}
      {done && (
        <p class="good" role="status">
          {done}
        </p>
      )}
      {operator && (page?.items.length ?? 0) > 0 && (
        <button
          data-action="redrive-all"
          disabled={busy}
          onClick={() => confirm('Deliver every dead letter again?') && redrive({ all: true })}
        >
          Re-drive all
        </button>
      )}
      {page?.items.length === 0 && (
        <p class="muted" data-testid="no-dead-letters">
          No dead letters.
        </p>
      )}
      <table data-testid="dead-letters">
        <thead>
          <tr>
            <th>dead at</th>
            <th>class</th>
            <th>reason</th>
            <th>task</th>
            <th class="num">attempts</th>
            {operator && <th />}
          </tr>
        </thead>
        <tbody>
          {page?.items.map((d) => (
            <tr data-dead-letter={d.id}>
              <td>{utc(d.deadAt)}</td>
              <td>{d.errorClass}</td>
              <td class="small">{d.reason}</td>
              <td class="small">
                {d.task ? (
                  <>
                    <a href={`#/model/${encodeURIComponent(d.task.project)}/${encodeURIComponent(d.task.model)}`}>
                      {d.task.project}/{d.task.model}
                    </a>{' '}
                    {utc(d.task.from)} – {utc(d.task.to)}
                  </>
                ) : (
                  <span class="mono">{d.body.slice(0, 80)}</span>
                )}
              </td>
              <td class="num">{d.attempts}</td>
              {operator && (
                <td>
                  <button data-action="redrive" disabled={busy} onClick={() => redrive({ ids: [d.id] })}>
                    Re-drive
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
