import type { Router, RouterContext } from '@koa/router';
import type { ServiceHealth } from './http-context.js';
import { problem, sendProblem } from './problem-details.js';

const READINESS_TIMEOUT_MS = 2000;

/** Kubernetes probes. Plain-text bodies as the original served them; 503 answers are problems. */
export function healthRoutes(router: Router, health: ServiceHealth): void {

  const ok = (body: string) => (ctx: RouterContext) => {
    ctx.type = 'text/plain';
    ctx.body = body;
  };
  router.get('/health', ok('OK'));
  router.get('/health/live', ok('OK'));

  router.get('/health/startup', (ctx) => {
    if (health.isStarted()) return ok('Started')(ctx);
    sendProblem(ctx, problem('not-started', 'Starting', 503, 'The service has not finished starting.'));
  });

  router.get('/health/ready', async (ctx) => {
    if (health.isShuttingDown()) {
      return sendProblem(ctx, problem('not-ready', 'Not ready', 503, 'The service is shutting down.'));
    }
    if (!health.isStarted()) {
      return sendProblem(ctx, problem('not-ready', 'Not ready', 503, 'The service has not finished starting.'));
    }
    try {
      await withTimeout(health.checkBackend(), READINESS_TIMEOUT_MS);
      ok('Ready')(ctx);
    } catch {
      sendProblem(ctx, problem('not-ready', 'Not ready', 503, 'The storage backend does not answer.'));
    }
  });

}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
