#!/usr/bin/env node
// Prints the gzipped size of the built web page (dist/web): every script, style sheet and the HTML, as a
// browser downloads them on first load. Issue 21's budget is 250 kB; over it, the build fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web');
const files = [];
const visit = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) visit(path);
    else if (/\.(js|css|html)$/.test(entry)) files.push(path);
  }
};
visit(root);
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const bytes = readFileSync(file);
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => (n / 1000).toFixed(1);
process.stdout.write(
  `web page: ${files.length} files in ${relative(process.cwd(), root) || root}, ${kb(raw)} kB, ${kb(gzipped)} kB gzipped (budget ${BUDGET_KB} kB)\n`,
);
if (gzipped > BUDGET_KB * 1000) {
  process.stderr.write(`web page: ${kb(gzipped)} kB gzipped is over the ${BUDGET_KB} kB budget\n`);
  process.exit(1);
}
