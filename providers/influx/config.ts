import { z } from 'zod';
import { parseWith, positiveDuration, readRenamedKeys, retryPolicy, type RenamedKey } from '../../src/config/schema.js';
import { configNameProblem, type NameRole } from './names.js';

/** A name written verbatim into line protocol and queries: refused here when line protocol cannot carry it. */
const influxName = (role: NameRole) =>
  z.string().superRefine((name, ctx) => {
    const problem = configNameProblem(name, role);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Keys renamed in this release: one retry shape and one duration vocabulary (no `_ms` suffixes). */
const renamedKeys: readonly RenamedKey[] = [
  { from: 'retry.initial_interval_ms', to: 'retry.initial_interval' },
  { from: 'retry.maximum_interval_ms', to: 'retry.maximum_interval' },
  { from: 'timeout_ms', to: 'timeout' },
];

/** Where the server is and how to talk to it; shared by the three influx sections. */
const connectionShape = {
  // Credentials in the URL would travel into error messages and proxy logs: they have keys of their own.
  url: z
    .url({ protocol: /^https?$/ })
    .refine(
      (url) => {
        const u = new URL(url);
        return u.username === '' && u.password === '';
      },
      {
        message: 'expected a URL without credentials; use token, or username and password',
      },
    )
    .default('http://localhost:8086'),
  /** v1: InfluxQL `/query` and line-protocol `/write` (1.x, and the v1 endpoints of 2.x/3.x).
   *  v2: Flux `/api/v2/query` and `/api/v2/write` through @influxdata/influxdb-client (2.x, 1.8+ with Flux). */
  api: z.enum(['v1', 'v2']).default('v1'),
  /** v1: the database (must exist). */
  database: z.string().min(1).default('latigo'),
  /** v1: the retention policy; empty means the database's default. */
  retention_policy: z.string().default(''),
  /** v2: organization name or id (ignored by 1.8 and 3.x). */
  org: z.string().default(''),
  /** v2: the bucket (1.8: "database/retention_policy"). */
  bucket: z.string().min(1).default('latigo'),
  /** v2, and v1 against 2.x/3.x: sent as `Authorization: Token <token>`. Put it in the environment. */
  token: z.string().default(''),
  /** v1 against 1.x with authentication: sent as HTTP Basic. Put the password in the environment. */
  username: z.string().default(''),
  password: z.string().default(''),
  /** One HTTP request gives up after this long (then it is retried, see `retry`). */
  timeout: positiveDuration.default(10_000),
  /** Retries of one HTTP request (connection refused, timeout, 429 after its Retry-After, 5xx). What still fails
   *  is not retried again by `executor.retry`: the task goes back to the queue (README "Retries"). */
  retry: retryPolicy({ maximumAttempts: 3, initialIntervalMs: 200, backoffCoefficient: 2, maximumIntervalMs: 2_000 }),
};

/** How sensor readings are laid out in the database. */
const sensorShape = {
  /** Measurement holding every sensor, told apart by `sensor_tag`. Ignored with `measurement_per_sensor`. */
  measurement: influxName('measurement').default('sensor'),
  /** Tag key whose value is the sensor name. */
  sensor_tag: influxName('tag key').default('tag'),
  /** True when each sensor is a measurement of its own (named like the sensor). */
  measurement_per_sensor: z.boolean().default(false),
  /** Field holding the reading. */
  field: influxName('field key').default('value'),
  /** Tag keys that describe a sensor (sensor_information); a missing tag reads as '' (asset) or no unit. */
  asset_tag: influxName('tag key').default('asset'),
  unit_tag: influxName('tag key').default('unit'),
  /** v1 reads use chunked responses of this many points, so no server row limit truncates them. */
  chunk_size: z.number().int().positive().default(10_000),
};

/** How predictions are written: one point per value, tagged with what it is. */
const predictionShape = {
  measurement: influxName('measurement').default('prediction'),
  field: influxName('field key').default('value'),
  /** Tag keys of each point: project, model, model revision, output kind (model-output,
   *  anomaly-contribution, total-anomaly, anomaly-threshold, is-anomaly, or a model detail such as t2)
   *  and the sensor a per-tag value belongs to (absent on model-wide values); a forecast's points also carry
   *  the time it was issued (ISO 8601) under `issued_at`. */
  tags: z
    .strictObject({
      project: influxName('tag key').default('project'),
      model: influxName('tag key').default('model'),
      revision: influxName('tag key').default('revision'),
      output: influxName('tag key').default('output'),
      sensor: influxName('tag key').default('tag'),
      issued_at: influxName('tag key').default('issued_at'),
    })
    .prefault({}),
  /** Lines per write request. */
  batch_size: z.number().int().positive().default(5_000),
};

function connection(c: z.output<z.ZodObject<typeof connectionShape>>) {
  return {
    url: c.url.replace(/\/+$/, ''),
    api: c.api,
    database: c.database,
    retentionPolicy: c.retention_policy,
    org: c.org,
    bucket: c.bucket,
    token: c.token,
    username: c.username,
    password: c.password,
    timeoutMs: c.timeout,
    retry: c.retry,
  };
}
export type InfluxConnectionConfig = ReturnType<typeof connection>;

const sensorSchema = z.strictObject({ ...connectionShape, ...sensorShape }).transform((c) => ({
  ...connection(c),
  sensors: {
    measurement: c.measurement,
    sensorTag: c.sensor_tag,
    measurementPerSensor: c.measurement_per_sensor,
    field: c.field,
    assetTag: c.asset_tag,
    unitTag: c.unit_tag,
    chunkSize: c.chunk_size,
  },
}));
export type InfluxSensorConfig = z.output<typeof sensorSchema>;
export type SensorLayout = InfluxSensorConfig['sensors'];

const predictionSchema = z
  .strictObject({ ...connectionShape, ...predictionShape })
  .superRefine((c, ctx) => {
    const keys = Object.entries(c.tags);
    const seen = new Map<string, string>();
    for (const [role, key] of keys) {
      const other = seen.get(key);
      if (other !== undefined)
        ctx.addIssue({ code: 'custom', path: ['tags', role], message: `tag key "${key}" is already used by tags.${other}` });
      seen.set(key, role);
    }
  })
  .transform((c) => {
    const { issued_at: issuedAt, ...tags } = c.tags;
    return {
      ...connection(c),
      predictions: { measurement: c.measurement, field: c.field, tags: { ...tags, issuedAt }, batchSize: c.batch_size },
    };
  });
export type InfluxPredictionConfig = z.output<typeof predictionSchema>;
export type PredictionLayout = InfluxPredictionConfig['predictions'];

/** `sensor_data` and `sensor_information` with `type: influx`. */
export const parseInfluxSensorConfig = (raw: unknown, path: string): InfluxSensorConfig =>
  parseWith(sensorSchema, readRenamedKeys(raw, path, renamedKeys), path);
/** `prediction_storage` with `type: influx`. */
export const parseInfluxPredictionConfig = (raw: unknown, path: string): InfluxPredictionConfig =>
  parseWith(predictionSchema, readRenamedKeys(raw, path, renamedKeys), path);
