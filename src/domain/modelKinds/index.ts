import type { z } from 'zod';
import { checkWithSchema, type ParameterCheck } from './checkParameters.js';
import { forecastAnomalyParametersSchema, forecastParametersSchema } from './forecastParameters.js';
import { pcaParametersSchema } from './pcaParameters.js';
import { thresholdParametersSchema } from './thresholdParameters.js';

export * from './checkParameters.js';
export * from './forecastParameters.js';
export * from './thresholdParameters.js';
export * from './pcaParameters.js';

/**
 * The model kinds: what a model computes. Each kind has a parameter schema (here, checked when a model is
 * defined) and a ModelExecutionProvider (bound per kind in src/composition/modelKindProviders.ts); the
 * executor picks the provider by the model's kind, not by the process's configuration.
 */
export const MODEL_KINDS = ['pca_anomaly', 'forecast', 'forecast_anomaly', 'threshold'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
/** Models defined before kinds existed are PCA anomaly models. */
export const DEFAULT_MODEL_KIND: ModelKind = 'pca_anomaly';

export interface ModelKindDefinition {
  readonly kind: ModelKind;
  /** One line for the README, the API's schema listing and `latigo models kinds`. */
  readonly summary: string;
  readonly schema: z.ZodType;
}

export const modelKindRegistry: { readonly [K in ModelKind]: ModelKindDefinition } = {
  pca_anomaly: { kind: 'pca_anomaly', summary: 'multivariate PCA anomaly detector (T² and Q)', schema: pcaParametersSchema },
  forecast: {
    kind: 'forecast',
    summary: 'Holt-Winters or (S)ARIMA forecast per target tag with prediction intervals',
    schema: forecastParametersSchema,
  },
  forecast_anomaly: {
    kind: 'forecast_anomaly',
    summary: 'univariate detector: an actual outside its forecast interval is anomalous',
    schema: forecastAnomalyParametersSchema,
  },
  threshold: { kind: 'threshold', summary: 'static rules per tag: above, below, outside, rate, stuck', schema: thresholdParametersSchema },
};

export function isModelKind(value: unknown): value is ModelKind {
  return typeof value === 'string' && (MODEL_KINDS as readonly string[]).includes(value);
}

/** A model's kind: its declared `kind`, else `parameters.kind`, else pca_anomaly. Not validated (see validateModelParameters). */
export function modelKindOf(model: { readonly kind?: string; readonly parameters?: Readonly<Record<string, unknown>> }): string {
  const fromParameters = model.parameters?.['kind'];
  return model.kind ?? (typeof fromParameters === 'string' ? fromParameters : DEFAULT_MODEL_KIND);
}

/**
 * Checks a model's parameters against its kind's schema and fills the defaults. An unknown kind is one issue
 * keyed `kind` listing the valid ones; every other issue is keyed `parameters.<path>`.
 */
export function validateModelParameters(kind: string, parameters: unknown): ParameterCheck<Record<string, unknown>> {
  if (!isModelKind(kind))
    return { ok: false, issues: [{ key: 'kind', message: `unknown kind ${JSON.stringify(kind)}; valid: ${MODEL_KINDS.join(', ')}` }] };
  return checkWithSchema(modelKindRegistry[kind].schema as z.ZodType<Record<string, unknown>>, parameters);
}
