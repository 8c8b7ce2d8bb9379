/** Text for numbers and times as operators read them: UTC, short. */

export const utc = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z') : '–');

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(seconds)} s`;
  if (s < 5400) return `${Math.round(seconds / 60)} min`;
  if (s < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export const number = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value.toLocaleString('en');
