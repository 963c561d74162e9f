import { Router } from '@koa/router';
import Koa from 'koa';
import type { IdempotencyStore } from '../../../application/ports/idempotency-store.port.js';
import { healthRoutes } from './health.routes.js';
import type { OrderUseCases, RequestLogger, ServiceHealth } from './http-context.js';
import { asyncApiRoutes } from './asyncapi.routes.js';
import type { AsyncApiSettings } from './asyncapi.document.js';
import { avakartRoutes } from './avakart.routes.js';
import { docsRoutes } from './docs.routes.js';
import { edge } from './edge.middleware.js';
import { eventRoutes } from './events.routes.js';
import { adminAuth, bearerAuth } from './bearer-auth.middleware.js';
import { bookRoutes } from './books.routes.js';
import { idempotent, type IdempotencyPolicy } from './idempotency.middleware.js';
import { orderRoutes } from './order.routes.js';
import type { ServiceMetrics } from './metrics.js';
import { metricsRoutes } from './metrics.routes.js';
import { openApiRoutes } from './openapi.routes.js';

export interface HttpAppDependencies {
  readonly useCases: OrderUseCases;
  readonly health: ServiceHealth;
  readonly log: RequestLogger;
  readonly requireIfMatch?: boolean;
  /** When non-empty, every /orders route needs one of these bearer tokens. */
  readonly authTokens?: readonly string[];
  /** When non-empty, the write routes of /books need one of these instead. */
  readonly adminTokens?: readonly string[];
  /** With tokens configured, GET /metrics needs one too. */
  readonly metricsRequireAuth?: boolean;
  /** When present, requests are measured and GET /metrics serves the registry. */
  readonly metrics?: ServiceMetrics;
  /** Without it, Idempotency-Key is ignored. */
  readonly idempotency?: { readonly store: IdempotencyStore; readonly policy: IdempotencyPolicy };
  /** The stream and subject prefix GET /asyncapi.json describes; the defaults without it. */
  readonly asyncApi?: AsyncApiSettings;
}

/** Paths served without a token when tokens are configured; everything else is closed by default. */
const OPEN_PATHS = /^\/(health(\/(live|ready|startup))?|openapi\.json|asyncapi\.json|docs(\/[^/]+)?)$/;

/** The routes that change the catalog or its stock. */
const isCatalogWrite = (path: string, method: string) =>
  method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && (path === '/books' || path.startsWith('/books/'));

export function buildHttpApp({ useCases, health, log, requireIfMatch = false, authTokens = [], adminTokens = [], metricsRequireAuth = false, metrics, idempotency, asyncApi }: HttpAppDependencies): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged once, by the edge middleware
  app.use(edge({ log, metrics, isShuttingDown: () => health.isShuttingDown() }));
  const open = (path: string) => OPEN_PATHS.test(path) || (!metricsRequireAuth && path === '/metrics');
  const adminOnly = adminTokens.length > 0 ? isCatalogWrite : () => false;
  if (adminTokens.length) app.use(adminAuth(adminTokens, authTokens, isCatalogWrite));
  if (authTokens.length) app.use(bearerAuth(authTokens, (path, method) => !open(path) && !adminOnly(path, method)));
  const router = new Router();
  healthRoutes(router, health);
  openApiRoutes(router);
  asyncApiRoutes(router, asyncApi);
  docsRoutes(router);
  if (metrics) metricsRoutes(router, metrics);
  // The compatibility routes go first: /orders/create must not be read as an order id.
  const guard: Koa.Middleware = idempotency
    ? idempotent(idempotency.store, idempotency.policy, log)
    : (_, next) => next();
  avakartRoutes(router, useCases, guard);
  orderRoutes(router, useCases, { requireIfMatch, idempotent: guard });
  eventRoutes(router, useCases);
  if (useCases.books) bookRoutes(router, useCases.books, guard);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
