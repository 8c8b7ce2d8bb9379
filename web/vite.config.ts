import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The operator web page (issue 21): built into dist/web, which the api process serves at `/`. Every asset is
// bundled (no CDN); asset URLs are relative so the page works behind any path prefix.
const root = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false, // scripts/web-bundle-size.mjs prints the gzipped total once
  },
});
