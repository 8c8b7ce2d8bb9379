/**
 * Sensor and model names as InfluxDB stores them.
 *
 * Line protocol can escape commas, spaces and equals signs, but not a line break; and a backslash next to
 * an escapable character (or at the end) is read as an escape, differently by 1.x and 3.x servers. So a
 * name holding a line break, carriage return or backslash, an empty name, one starting with `#` (a comment
 * line when it is a measurement) or one starting with our prefix is stored percent-encoded behind
 * ENCODED_PREFIX; every other name is stored as it is, so dashboards see the names operators know.
 * The mapping is one-to-one, and readers decode what they read back.
 */
export const ENCODED_PREFIX = '%enc:';

const NEEDS_ENCODING = /[\r\n\\]/;
const ENCODED_CHARACTERS = /[%\r\n\\]/g;

export function toStoredName(name: string): string {
  if (name !== '' && !NEEDS_ENCODING.test(name) && !name.startsWith('#') && !name.startsWith(ENCODED_PREFIX)) return name;
  return ENCODED_PREFIX + name.replace(ENCODED_CHARACTERS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function fromStoredName(stored: string): string {
  if (!stored.startsWith(ENCODED_PREFIX)) return stored;
  return stored.slice(ENCODED_PREFIX.length).replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export type NameRole = 'measurement' | 'tag key' | 'field key';

/**
 * Why a name from the configuration (a measurement, tag key or field key, used verbatim) cannot be
 * written in line protocol, or undefined when it can. Quotes, spaces, commas, `=` and unicode are fine.
 */
export function configNameProblem(name: string, role: NameRole): string | undefined {
  if (name === '') return `a ${role} cannot be empty`;
  if (/[\r\n]/.test(name)) return `a ${role} cannot hold a line break: line protocol has no escape for it`;
  if (/\\([ ,=]|$)/.test(name))
    return `a ${role} cannot have a backslash before a space, comma or equals sign, or at its end: line protocol would read it as an escape`;
  if (role === 'measurement' && name.startsWith('#'))
    return 'a measurement cannot start with "#": line protocol would read the line as a comment';
  if (role === 'field key' && name === 'time') return 'the field key "time" is dropped by InfluxDB';
  if (role === 'tag key' && name === 'time') return 'the tag key "time" is refused by InfluxDB';
  return undefined;
}
