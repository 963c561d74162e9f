import type { Context } from 'koa';
import type { ServiceMetrics } from './metrics.js';

/** The routes that place an order: their answers count as orders placed or refused. */
const PLACE_ORDER_ROUTES = new Set(['/orders', '/orders/create']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times one answered request by the router's route template, never the raw path: a path carries order
 * and user ids, and one series per id would grow without bound.
 */
export function recordRequest(metrics: ServiceMetrics, ctx: Context, seconds: number): void {
  const route = routeOf(ctx);
  const status = ctx.status;
  const series = metrics.requestSeries(METHODS.has(ctx.method) ? ctx.method : 'OTHER', route, status);
  series.requests.inc();
  series.seconds.observe(seconds);
  // A replayed answer to an Idempotency-Key is the same order again, not another one.
  if (ctx.method === 'POST' && PLACE_ORDER_ROUTES.has(route) && ctx.response.get('Idempotent-Replayed') !== 'true') {
    if (status === 201) metrics.orderPlaced(route);
    else metrics.orderRefused(route, problemSlug(ctx.body) ?? `status-${status}`);
  }
}

interface RoutedContext {
  readonly _matchedRoute?: string | RegExp;
  readonly matched?: ReadonlyArray<{ readonly path: string | RegExp }>;
}

/** The matched template; for a 405 the template whose path matched; otherwise a fixed label. */
function routeOf(ctx: Context): string {
  const routed = ctx as unknown as RoutedContext;
  const template = routed._matchedRoute ?? routed.matched?.at(-1)?.path;
  return typeof template === 'string' ? template : UNMATCHED_ROUTE;
}

function problemSlug(body: unknown): string | undefined {
  const type = (body as { type?: unknown } | null)?.type;
  const slug = typeof type === 'string' ? /^\/problems\/([a-z][a-z-]{0,63})$/.exec(type)?.[1] : undefined;
  return slug;
}
