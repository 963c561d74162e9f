import type { Router } from '@koa/router';
import type { ServiceMetrics } from './metrics.js';

/** Prometheus scrapes this; it is left out of authentication like the health routes. */
export function metricsRoutes(router: Router, metrics: ServiceMetrics): void {
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', metrics.registry.contentType);
    ctx.body = await metrics.registry.metrics();
  });
}
