import type { Router } from '@koa/router';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Swagger UI as npm ships it, served from this process: a cluster may have no way out to a CDN. */
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_VERSION = (JSON.parse(readFileSync(join(SWAGGER_UI, 'package.json'), 'utf8')) as { version: string }).version;

// A file of its own, not an inline script, so the page's CSP needs no 'unsafe-inline'. validatorUrl: null keeps
// Swagger UI from sending the document to validator.swagger.io for its badge.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
  persistAuthorization: false,
});
`;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const fromPackage = (file: string) => () => readFileSync(join(SWAGGER_UI, file));

/** Everything the page loads, by the name it has under /docs/. Read on first use only: most processes never serve it. */
export const DOCS_ASSETS: Readonly<Record<string, { readonly type: string; readonly read: () => Buffer }>> = {
  'swagger-ui-bundle.js': { type: JS, read: fromPackage('swagger-ui-bundle.js') },
  'swagger-ui.css': { type: CSS, read: fromPackage('swagger-ui.css') },
  'index.css': { type: CSS, read: fromPackage('index.css') },
  'docs.js': { type: JS, read: () => Buffer.from(INIT) },
  'favicon-32x32.png': { type: 'image/png', read: fromPackage('favicon-32x32.png') },
};

/** In the asset URLs, so a browser may keep the files for a day and still fetches new ones after an upgrade. */
const VERSION = createHash('sha256').update(SWAGGER_UI_VERSION).update(INIT).digest('base64url').slice(0, 12);
const at = (name: string) => `/docs/${name}?v=${VERSION}`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AvaKart order service: API reference</title>
<link rel="icon" type="image/png" href="${at('favicon-32x32.png')}">
<link rel="stylesheet" href="${at('swagger-ui.css')}">
<link rel="stylesheet" href="${at('index.css')}">
</head>
<body>
<noscript>This page needs JavaScript. The API description itself is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${at('swagger-ui-bundle.js')}"></script>
<script src="${at('docs.js')}"></script>
</body>
</html>
`;

/**
 * Only what the page uses: its own scripts and styles, the data: images in Swagger UI's stylesheet, and requests
 * to this service (the document and the try-it calls). No inline script or style, no eval, no frames, no forms.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const encoded = new Map<string, { readonly identity: Buffer; readonly gzip: Buffer }>();
const contentOf = (name: string) => {
  let content = encoded.get(name);
  if (!content) {
    const identity = DOCS_ASSETS[name]!.read();
    encoded.set(name, (content = { identity, gzip: gzipSync(identity) }));
  }
  return content;
};

export function docsRoutes(router: Router): void {
  router.get('/docs', (ctx) => {
    ctx.set({
      'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });

  router.get('/docs/:asset', (ctx) => {
    const name = ctx.params.asset!;
    if (!Object.hasOwn(DOCS_ASSETS, name)) return; // a bare 404, answered as not-found by the edge
    const content = contentOf(name);
    ctx.vary('Accept-Encoding');
    ctx.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=86400' });
    ctx.type = DOCS_ASSETS[name]!.type;
    if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = content.gzip;
    } else {
      ctx.body = content.identity;
    }
  });
}
