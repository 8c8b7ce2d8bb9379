/** The configuration sections that name an implementation with `type`. */
export const providerRoles = ['task_queue', 'model_info', 'predictor', 'sensor_information', 'sensor_data', 'prediction_storage'] as const;
export type ProviderRole = (typeof providerRoles)[number];

/** How long a delivered message stays leased to its receiver before it is delivered again. */
export interface LeaseSettings {
  readonly visibilityTimeoutMs: number;
}
