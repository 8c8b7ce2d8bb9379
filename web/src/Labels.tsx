import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, modelPath } from './api.js';
import type { Shade } from './chart.js';
import { iso } from './modelData.js';
import type { Label } from './types.js';

export interface ModelLabels {
  items: Label[];
  /** The intervals in seconds, as the charts draw them. */
  shades: Shade[];
  /** Why none are shown (the API process has no label store), or undefined. */
  note?: string;
  /** Whether this API process keeps labels at all: the label button is offered only then. */
  available: boolean;
}

/** The model's labelled intervals (`GET .../labels`), read again whenever `asked` changes. */
export function useLabels(project: string, model: string, asked: number): ModelLabels {
  const [labels, setLabels] = useState<ModelLabels>({ items: [], shades: [], available: false });
  useEffect(() => {
    const controller = new AbortController();
    api<{ items: Label[] }>(`${modelPath(project, model)}/labels`, { signal: controller.signal })
      .then(({ items }) =>
        setLabels({ items, available: true, shades: items.map((l): Shade => [Date.parse(l.from) / 1000, Date.parse(l.to) / 1000]) }),
      )
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const note =
          err instanceof ApiError && err.status === 501 ? 'labels are not available from this API process' : `labels: ${String(err)}`;
        setLabels({ items: [], shades: [], note, available: false });
      });
    return () => controller.abort();
  }, [project, model, asked]);
  return labels;
}

/**
 * Operators label what the charts show: drag to zoom onto the stretch, name it, and the shown span is posted as
 * a labelled interval (`POST .../labels`). `span` reads the charts' current x range (seconds).
 */
export function LabelButton(props: { project: string; model: string; span: () => [number, number] | undefined; onAdded: () => void }) {
  const [name, setName] = useState('anomaly');
  const [message, setMessage] = useState<{ text: string; bad: boolean } | undefined>(undefined);
  const add = () => {
    const span = props.span();
    if (span === undefined) return setMessage({ text: 'no chart to label yet', bad: true });
    const [from, to] = [iso(Math.round(span[0] * 1000)), iso(Math.round(span[1] * 1000))];
    setMessage(undefined);
    api<{ items: Label[] }>(`${modelPath(props.project, props.model)}/labels`, {
      method: 'POST',
      body: { labels: [{ from, to, label: name }] },
    })
      .then(() => {
        setMessage({ text: `labelled ${from} – ${to} "${name}"`, bad: false });
        props.onAdded();
      })
      .catch((err: unknown) => setMessage({ text: err instanceof Error ? err.message : String(err), bad: true }));
  };
  return (
    <span class="actions label-actions">
      <input name="label" value={name} size={10} onInput={(e) => setName((e.target as HTMLInputElement).value)} title="label name" />
      <button data-action="label-span" onClick={add} title="Label the span the charts show (drag on a chart to zoom onto it first)">
        Label shown span
      </button>
      {message && (
        <span class={message.bad ? 'error' : 'muted small'} data-testid="label-status">
          {message.text}
        </span>
      )}
    </span>
  );
}
