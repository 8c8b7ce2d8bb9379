import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SensorPoints } from '../contracts/SensorWriter.js';

/**
 * Parsed points held back until the whole input is known to be valid (all-or-nothing ingest). Up to
 * `memoryPoints` stay in memory; beyond that every batch goes to a temporary file (sensor names as a JSON
 * line, then the times and values as float64), so a 200 MB body costs disk, not memory. `replay` hands the
 * batches back in order; `dispose` deletes the file.
 */
export class PointSpool {
  private readonly memory: SensorPoints[][] = [];
  private inMemory = 0;
  private file: { dir: string; path: string; handle: FileHandle; size: number } | undefined;
  private spilled = 0;

  constructor(private readonly memoryPoints: number) {}

  /** Points spooled so far. */
  get points(): number {
    return this.inMemory + this.spilled;
  }

  async add(batch: SensorPoints[], count: number): Promise<void> {
    if (this.file === undefined && this.inMemory + count <= this.memoryPoints) {
      this.memory.push(batch);
      this.inMemory += count;
      return;
    }
    const file = await this.openFile();
    const header = Buffer.from(`${JSON.stringify(batch.map((p) => [p.sensor, p.timesMs.length]))}\n`, 'utf8');
    const body = new Float64Array(count * 2);
    let at = 0;
    for (const series of batch) {
      for (let i = 0; i < series.timesMs.length; i++) body[at++] = series.timesMs[i]!;
      for (let i = 0; i < series.values.length; i++) body[at++] = series.values[i]!;
    }
    const length = Buffer.alloc(8);
    length.writeUInt32LE(header.length, 0);
    length.writeUInt32LE(count, 4);
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    await file.handle.write(length, 0, 8, file.size);
    await file.handle.write(header, 0, header.length, file.size + 8);
    await file.handle.write(bytes, 0, bytes.length, file.size + 8 + header.length);
    file.size += 8 + header.length + bytes.length;
    this.spilled += count;
  }

  /** The batches in the order added: the in-memory ones first, then the file's. */
  async *replay(): AsyncGenerator<SensorPoints[]> {
    for (const batch of this.memory) yield batch;
    const file = this.file;
    if (file === undefined) return;
    let position = 0;
    const lengths = Buffer.alloc(8);
    while (position < file.size) {
      await file.handle.read(lengths, 0, 8, position);
      const headerLength = lengths.readUInt32LE(0);
      const count = lengths.readUInt32LE(4);
      const header = Buffer.alloc(headerLength);
      await file.handle.read(header, 0, headerLength, position + 8);
      const body = new Float64Array(count * 2);
      await file.handle.read(Buffer.from(body.buffer), 0, body.byteLength, position + 8 + headerLength);
      position += 8 + headerLength + body.byteLength;
      const batch: SensorPoints[] = [];
      let at = 0;
      for (const [sensor, n] of JSON.parse(header.toString('utf8')) as [string, number][]) {
        batch.push({ sensor, timesMs: body.subarray(at, at + n), values: body.subarray(at + n, at + 2 * n) });
        at += 2 * n;
      }
      yield batch;
    }
  }

  async dispose(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    this.memory.length = 0;
    if (file === undefined) return;
    await file.handle.close().catch(() => {});
    rmSync(file.dir, { recursive: true, force: true });
  }

  private async openFile() {
    if (this.file !== undefined) return this.file;
    const dir = mkdtempSync(join(tmpdir(), 'latigo-ingest-'));
    const path = join(dir, 'points.spool');
    this.file = { dir, path, handle: await open(path, 'w+'), size: 0 };
    return this.file;
  }
}
