import { useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api, ApiError, modelPath } from './api.js';
import { Chart } from './chart.js';
import { number, utc } from './format.js';

interface ForecastBody {
  issuedAt: string;
  coverage: number | null;
  tags: string[];
  points: {
    time: string;
    yhat: Record<string, number | null>;
    lower: Record<string, number | null>;
    upper: Record<string, number | null>;
  }[];
}

/**
 * The model's latest forecast (forecast models, issue 20), per tag with its prediction interval. Anomaly models
 * have none (404) and a store that cannot read forecasts says so (501): both show nothing.
 */
export function Forecast(props: { project: string; model: string }) {
  const [forecast, setForecast] = useState<ForecastBody | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    setForecast(undefined);
    api<ForecastBody>(`${modelPath(props.project, props.model)}/forecast`, { signal: controller.signal })
      .then(setForecast)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && (err.status === 404 || err.status === 501)) && !controller.signal.aborted) console.warn(err);
      });
    return () => controller.abort();
  }, [props.project, props.model]);
  const data = useMemo(() => {
    if (forecast === undefined) return [];
    const x = Float64Array.from(forecast.points, (p) => Date.parse(p.time) / 1000);
    return forecast.tags.map((tag): uPlot.AlignedData => [
      x,
      forecast.points.map((p) => p.yhat[tag] ?? null),
      forecast.points.map((p) => p.lower[tag] ?? null),
      forecast.points.map((p) => p.upper[tag] ?? null),
    ]);
  }, [forecast]);
  if (forecast === undefined || forecast.points.length === 0) return null;
  return (
    <div data-testid="forecast">
      <h2>
        Forecast issued {utc(forecast.issuedAt)}{' '}
        <span class="muted small">interval coverage {forecast.coverage === null ? '–' : `${number(forecast.coverage * 100, 0)} %`}</span>
      </h2>
      {forecast.tags.map((tag, t) => (
        <Chart
          name={`forecast-${t}`}
          title={`${tag} (forecast)`}
          height={120}
          series={[
            { label: 'forecast', stroke: '#2563eb', width: 1.5 },
            { label: 'lower', stroke: '#93c5fd', dash: [4, 3] },
            { label: 'upper', stroke: '#93c5fd', dash: [4, 3] },
          ]}
          data={data[t]!}
        />
      ))}
    </div>
  );
}
