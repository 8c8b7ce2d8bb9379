import { configProvenance, describeSource, type ConfigEntry } from '../config/provenance.js';
import { loadConfig } from '../config/loadConfig.js';
import { providerCatalog } from '../composition/registry.js';
import { ExitCode, reportFatal, type GlobalOptions } from './runCommand.js';
import { isSecret, maskSecret } from './setEnv.js';

interface ConfigShowOptions {
  effective?: boolean;
  json?: boolean;
}

/**
 * `latigo config show [--effective] [--json]`: each key with its value and where it came from (default,
 * file, `LATIGO_*` variable, `${NAME}`), secrets masked. The configuration is validated first, as every
 * command does: an invalid one exits 2 naming the key and its source.
 */
export async function runConfigShow(options: ConfigShowOptions, globals: GlobalOptions): Promise<never> {
  try {
    const config = await loadConfig({ ...(globals.config === undefined ? {} : { file: globals.config }), catalog: providerCatalog });
    const provenance = configProvenance({ file: config.source, env: process.env, defaults: options.effective === true });
    const rows = provenance.entries.map((entry) => ({ path: entry.path, value: shownValue(entry), source: describeSource(entry.source) }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ file: provenance.file ?? null, keys: rows })}\n`);
    } else {
      process.stdout.write(`# configuration file: ${provenance.file ?? '(none; built-in defaults)'}\n`);
      const width = Math.max(0, ...rows.map((r) => r.path.length + 3 + r.value.length));
      for (const r of rows) process.stdout.write(`${`${r.path} = ${r.value}`.padEnd(width)}  # ${r.source}\n`);
      if (!options.effective) process.stdout.write('# keys not listed take their defaults (latigo config show --effective lists them)\n');
    }
    for (const s of provenance.shadowed) {
      process.stderr.write(`latigo: ${s.variable} overrides ${s.path} (the file sets another value); unset it to use the file's\n`);
    }
    return process.exit(ExitCode.ok);
  } catch (err) {
    return process.exit(reportFatal(err));
  }
}

/** The value as text; a secret masked (its key names one, or it is a URL with a password). */
function shownValue(entry: ConfigEntry): string {
  const path = entry.path.split('.');
  const text = typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value);
  return isSecret(path, entry.value) ? maskSecret(path, text) : text;
}
