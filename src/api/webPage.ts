import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../runtime/logger.js';

/**
 * The page's Content-Security-Policy: scripts, styles, images and API calls from this origin only (the page
 * must work on a plant network without internet, and must not be framed). Styles allow inline `style`
 * attributes, which Preact and uPlot set on elements.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The built page (`npm run build` writes it to dist/web), found from this module in dist/src/api or src/api. */
export function webPageFolder(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'web');
      return existsSync(join(built, 'index.html')) ? built : undefined;
    }
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Serves the operator web page (issue 21) at `/`: static files built by Vite, every asset bundled (no CDN).
 * The page is a client of the API like any other; it holds no server-side state. When the page was not built,
 * `/` says how to build it instead of failing the API.
 */
export async function registerWebPage(app: FastifyInstance, log: Logger, folder: string | undefined): Promise<void> {
  if (folder === undefined) {
    log.warn('the web page is not built (dist/web/index.html is missing): run npm run build');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain').send('The latigo web page is not built: run `npm run build`. The API is at /api/docs.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: folder,
    prefix: '/',
    wildcard: false, // only the files that exist; other paths keep the API's 404 problem document
    index: ['index.html'],
    // index.html names hashed assets: it must be revalidated, the assets may be cached for long.
    setHeaders: (reply, path) => {
      reply.header('content-security-policy', contentSecurityPolicy);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
    cacheControl: false,
    decorateReply: false, // Swagger UI's own instance already decorates reply.sendFile
  });
}
