/** One sensor (a "tag" in plant vocabulary). `name` is unique within a sensor source and may hold any
 *  unicode text, including quotes, spaces and newlines: providers quote or escape it, never reject it. */
export interface SensorTag {
  readonly name: string;
  /** The asset or facility the sensor belongs to (a compressor, a platform). */
  readonly asset: string;
  readonly unit?: string;
}
