import type { Router } from '@koa/router';
import { asyncApiDocument, type AsyncApiSettings } from './asyncapi.document.js';

export const DEFAULT_ASYNCAPI_SETTINGS: AsyncApiSettings = { stream: 'AVAKART_EVENTS', subjectPrefix: 'avakart' };

/** GET /asyncapi.json: the broker channels, for the stream and prefix configured. Serialised once, served as is. */
export function asyncApiRoutes(router: Router, settings: AsyncApiSettings = DEFAULT_ASYNCAPI_SETTINGS): void {
  const serialised = JSON.stringify(asyncApiDocument(settings));
  router.get('/asyncapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = serialised;
  });
}
