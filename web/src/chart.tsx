import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

import type { Shade } from './seriesGrid.js';

export type { Shade };

declare global {
  interface Window {
    /** The page's uPlot instances by name, for the browser tests and for looking at a chart from the devtools. */
    latigoCharts?: Record<string, uPlot>;
  }
}

export const SHADE_COLOUR = 'rgba(220, 38, 38, 0.16)';
/** Episodes: a light amber wash over their stretch and a solid amber strip along the plot's bottom edge. */
export const EPISODE_COLOUR = 'rgba(245, 158, 11, 0.14)';
export const EPISODE_STRIP_COLOUR = 'rgb(217, 119, 6)';
const EPISODE_STRIP_PX = 5;
/** Labelled intervals (the ground truth, issue 16): a violet wash and a violet strip along the plot's top edge. */
export const LABEL_COLOUR = 'rgba(124, 58, 237, 0.10)';
export const LABEL_STRIP_COLOUR = 'rgb(124, 58, 237)';

/**
 * Shades labels, episodes, then anomalous stretches, under the series (a label's strip on top of them): drawn right after uPlot clears the canvas. An
 * episode bridges short gaps between anomalous rows and may be wider than them; the strip shows its extent.
 */
function shadePlugin(shades: {
  current: { anomalous: readonly Shade[]; episodes: readonly Shade[]; labels: readonly Shade[] };
}): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u) => {
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        const [min, max] = [u.scales.x!.min ?? 0, u.scales.x!.max ?? 0];
        const fill = (spans: readonly Shade[], colour: string, y: number, h: number) => {
          ctx.fillStyle = colour;
          for (const [from, to] of spans) {
            if (to < min || from > max) continue;
            const left = u.valToPos(Math.max(from, min), 'x', true);
            const right = u.valToPos(Math.min(to, max), 'x', true);
            ctx.fillRect(left, y, Math.max(right - left, 2 * devicePixelRatio), h);
          }
        };
        ctx.save();
        const strip = EPISODE_STRIP_PX * devicePixelRatio;
        fill(shades.current.labels, LABEL_COLOUR, top, height - strip);
        fill(shades.current.episodes, EPISODE_COLOUR, top, height - strip);
        fill(shades.current.episodes, EPISODE_STRIP_COLOUR, top + height - strip, strip);
        fill(shades.current.anomalous, SHADE_COLOUR, top, height - strip);
        fill(shades.current.labels, LABEL_STRIP_COLOUR, top, strip);
        ctx.restore();
      },
    },
  };
}

export interface ChartProps {
  name: string;
  title: string;
  series: { label: string; stroke: string; dash?: number[]; width?: number }[];
  /** [x seconds, ...one array per series], aligned. */
  data: uPlot.AlignedData;
  shades?: readonly Shade[];
  /** Anomaly episodes (issue 19) to mark, in seconds; an open one ends at the newest data. */
  episodes?: readonly Shade[];
  /** Labelled intervals (issue 16) to mark, in seconds. */
  labels?: readonly Shade[];
  height: number;
  /** Called with the x value (seconds) the user clicked. */
  onPick?: (x: number) => void;
  /** Called once, the first time the chart draws with data. */
  onFirstDraw?: () => void;
}

/** One uPlot chart; every chart of a page shares the cursor (`sync`), so a time lines up across tags. */
export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shadesOf = (p: ChartProps) => ({ anomalous: p.shades ?? [], episodes: p.episodes ?? [], labels: p.labels ?? [] });
  const shades = useRef(shadesOf(props));
  const callbacks = useRef(props);
  callbacks.current = props;
  shades.current = shadesOf(props);

  useEffect(() => {
    const el = host.current!;
    let drawn = false;
    const u = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: props.height,
        title: props.title,
        cursor: { sync: { key: 'latigo-model' }, drag: { x: true, y: false } },
        legend: { live: true },
        scales: { x: { time: true } },
        series: [
          { label: 'time (UTC)' },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width ?? 1,
            ...(s.dash ? { dash: s.dash } : {}),
            spanGaps: false,
          })),
        ],
        axes: [{}, { size: 56 }],
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        plugins: [shadePlugin(shades)],
        hooks: {
          // A drag-zoom on one chart zooms the others to the same span (setScale also fires on every setData,
          // so the user's selection is what is shared, not the scale).
          setSelect: [
            (chart) => {
              if (chart.select.width <= 0) return;
              const min = chart.posToVal(chart.select.left, 'x');
              const max = chart.posToVal(chart.select.left + chart.select.width, 'x');
              for (const other of Object.values(window.latigoCharts ?? {})) if (other !== chart) other.setScale('x', { min, max });
            },
          ],
          draw: [
            (chart) => {
              if (!drawn && chart.data[0].length > 0) {
                drawn = true;
                callbacks.current.onFirstDraw?.();
              }
            },
          ],
        },
      },
      props.data,
      el,
    );
    plot.current = u;
    (window.latigoCharts ??= {})[props.name] = u;
    const click = () => {
      const left = u.cursor.left;
      if (left !== undefined && left >= 0) callbacks.current.onPick?.(u.posToVal(left, 'x'));
    };
    u.over.addEventListener('click', click);
    // uPlot resets its own zoom on a double click; the others follow.
    const reset = () => {
      for (const other of Object.values(window.latigoCharts ?? {})) {
        const x = other.data[0];
        if (other !== u && x.length > 0) other.setScale('x', { min: x[0]!, max: x[x.length - 1]! });
      }
    };
    u.over.addEventListener('dblclick', reset);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: props.height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.over.removeEventListener('click', click);
      u.over.removeEventListener('dblclick', reset);
      if (window.latigoCharts?.[props.name] === u) delete window.latigoCharts[props.name];
      u.destroy();
    };
    // A chart is rebuilt only when its series change; data and shades are pushed into the existing one below.
  }, [props.name, props.series.length]);

  useEffect(() => {
    plot.current?.setData(props.data, true);
  }, [props.data]);
  useEffect(() => {
    plot.current?.redraw(false);
  }, [props.shades, props.episodes, props.labels]);

  return <div class="chart" data-chart={props.name} data-series={props.series.length + 1} ref={host} />;
}
