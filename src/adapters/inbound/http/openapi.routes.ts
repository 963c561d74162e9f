import type { Router } from '@koa/router';
import { openApiDocument } from './openapi.document.js';

/** The document is static: serialised once, served as is. */
export function openApiRoutes(router: Router): void {
  const serialised = JSON.stringify(openApiDocument);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = serialised;
  });
}
