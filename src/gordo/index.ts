/** Gordo's formats, read the way Gordo (and pandas under it) reads them; shared by every provider that talks to Gordo. */
export { parsePandasFrequency, parsePandasResolution, type PandasFrequency } from './pandasFrequency.js';
export { compileRowFilter, normalizeRowFilter, rowFilterMask, type ColumnReader } from './rowFilter.js';
export { GORDO_DEFAULT_RESOLUTION, readGordoTagList } from './tagList.js';
export { GORDO_TIME_EXPECTED, parseGordoTime, readGordoTime } from './time.js';
