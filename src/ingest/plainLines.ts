import { sensorNameProblem, type ChunkBuilder, type ChunkSeries } from './ParsedChunk.js';

/** The time units the fast path reads: digits dropped (ns, us) or the ms in one unit (ms, s, m, h). */
export interface PlainTimeUnit {
  /** Trailing digits below a millisecond (6 for ns, 3 for us, else 0). */
  readonly dropDigits: number;
  /** Milliseconds in one unit when none are dropped (1 for ms, 1000 for s, ...). */
  readonly unitMs: number;
}

/** A series key seen before: its bytes and the sensor its `value` field names, or none when the general reading must see it. */
interface KnownKey {
  readonly bytes: Buffer;
  readonly sensor: string | undefined;
  readonly next: KnownKey | undefined;
  /** This key's series in the builder's chunk of generation `generation`. */
  series: ChunkSeries | undefined;
  generation: number;
}

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const BACKSLASH = 92;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
/** `value=` */
const VALUE_FIELD = [118, 97, 108, 117, 101, 61];
/** Exact powers of ten up to 10^15: a decimal of at most 15 digits divided by one is correctly rounded, as Number() reads it. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);
const MAX_KNOWN_KEYS = 10_000;
const MAX_TIME_MS = 8.64e15;

/**
 * The fast path of the line-protocol parser (issue 16): a line of a known series key (measurement and
 * tags, no backslash), one field `value=<plain decimal>` and a plain integer timestamp, read from the
 * bytes without decoding the line to a string, and added to the sensor's series without a lookup. That is
 * every line of a typical feed; `read` answers false for anything else (another field, an exponent, no
 * timestamp, a comment, a key not yet seen...) without touching the builder, and the general reading
 * (`readLine`) takes the line, with its rejections and messages.
 */
export class PlainLines {
  private readonly keys = new Map<number, KnownKey>();
  private size = 0;

  constructor(
    private readonly unit: PlainTimeUnit,
    private readonly prefix: string,
    /** The sensor a series key names (the sensor tag's value, else the measurement); undefined when it does not read. */
    private readonly sensorOfKey: (key: string) => string | undefined,
  ) {}

  /** Reads the line `buf[from, to)` (no newline, no carriage return) into `builder` if it is plain; answers whether it did. */
  read(buf: Buffer, from: number, to: number, builder: ChunkBuilder): boolean {
    const first = buf[from];
    if (from >= to || first === SPACE || first === TAB || first === HASH) return false;
    let hash = 0x811c9dc5;
    let i = from;
    for (; i < to; i++) {
      const c = buf[i]!;
      if (c === SPACE) break;
      if (c === BACKSLASH) return false;
      hash = Math.imul(hash ^ c, 16777619);
    }
    if (i >= to) return false;
    const key = this.known(buf, from, i, hash);
    if (key.sensor === undefined) return false;
    // value=
    i++;
    for (let k = 0; k < VALUE_FIELD.length; k++, i++) if (buf[i] !== VALUE_FIELD[k]) return false;
    // A decimal: optional minus, digits, optional fraction; at most 15 digits in all.
    const negative = buf[i] === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let c = buf[i]!;
    if (!(c >= ZERO && c <= NINE)) return false;
    for (; i < to && (c = buf[i]!) >= ZERO && c <= NINE; i++, digits++) mantissa = mantissa * 10 + (c - ZERO);
    if (c === DOT) {
      i++;
      for (; i < to && (c = buf[i]!) >= ZERO && c <= NINE; i++, fraction++) mantissa = mantissa * 10 + (c - ZERO);
      if (fraction === 0) return false;
    }
    if (digits + fraction > 15 || buf[i] !== SPACE) return false;
    while (buf[i] === SPACE && i < to) i++;
    // The timestamp: digits to the end of the line.
    const stampFrom = i;
    if (stampFrom >= to) return false;
    const keep = to - stampFrom - this.unit.dropDigits;
    if (keep <= 0 || keep > 15) return false;
    let head = 0;
    for (let k = 0; k < keep; k++, i++) {
      c = buf[i]!;
      if (c < ZERO || c > NINE) return false;
      head = head * 10 + (c - ZERO);
    }
    for (; i < to; i++) if ((c = buf[i]!) < ZERO || c > NINE) return false;
    const timeMs = this.unit.dropDigits > 0 ? head : head * this.unit.unitMs;
    if (!(timeMs <= MAX_TIME_MS)) return false;
    const magnitude = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction]!;
    builder.row();
    if (key.series === undefined || key.generation !== builder.generation) {
      key.series = builder.series(key.sensor);
      key.generation = builder.generation;
    }
    builder.addTo(key.series, timeMs, negative ? -magnitude : magnitude);
    return true;
  }

  /** The known key of bytes `buf[from, to)`, read once with `sensorOfKey` the first time. */
  private known(buf: Buffer, from: number, to: number, hash: number): KnownKey {
    const length = to - from;
    let key = this.keys.get(hash);
    for (; key !== undefined; key = key.next) {
      const bytes = key.bytes;
      if (bytes.length !== length) continue;
      let k = 0;
      while (k < length && bytes[k] === buf[from + k]) k++;
      if (k === length) return key;
    }
    if (this.size >= MAX_KNOWN_KEYS) {
      this.keys.clear();
      this.size = 0;
    }
    const base = this.sensorOfKey(buf.toString('utf8', from, to));
    const sensor = base === undefined ? undefined : this.prefix + base;
    const added: KnownKey = {
      bytes: Buffer.from(buf.subarray(from, to)),
      // A name the store refuses goes the general way, which rejects its lines.
      sensor: sensor === undefined || sensorNameProblem(sensor) !== undefined ? undefined : sensor,
      next: this.keys.get(hash),
      series: undefined,
      generation: -1,
    };
    this.keys.set(hash, added);
    this.size++;
    return added;
  }
}
