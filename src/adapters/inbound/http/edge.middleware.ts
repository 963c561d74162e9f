import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context, Middleware, Next } from 'koa';
import { tracing } from '../../tracing.js';
import { answerFailure, answerUnrouted } from './failure-answers.js';
import type { RequestLine, RequestLogger } from './http-context.js';
import type { ServiceMetrics } from './metrics.js';
import { recordRequest } from './request-metrics.js';

const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export interface EdgeOptions {
  readonly log: RequestLogger;
  readonly metrics: ServiceMetrics | undefined;
  readonly isShuttingDown: () => boolean;
}

/**
 * What every request goes through, in one middleware rather than four (each hop is an async frame and a promise
 * per request): a request id from a sane X-Request-Id or a new one, echoed back; `Connection: close` while the
 * service drains; every failure turned into problem+json; then one log line and the metrics, which see the final
 * answer.
 */
export const edge = ({ log, metrics, isShuttingDown }: EdgeOptions): Middleware => {
  const logRequest = log.request ? log.request.bind(log) : (line: RequestLine) => log.info(line, 'request');
  const handle = async (ctx: Context, next: Next) => {
    const started = performance.now();
    // Read from node's own headers object: ctx.get goes through two delegations and a switch per call.
    const offered = ctx.req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.res.setHeader('X-Request-Id', requestId);
    if (isShuttingDown()) ctx.res.setHeader('Connection', 'close');
    try {
      await next();
      answerUnrouted(ctx);
    } catch (error) {
      answerFailure(ctx, error, log);
    }
    const durationMs = performance.now() - started;
    logRequest({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, durationMs });
    if (metrics) recordRequest(metrics, ctx, durationMs / 1000);
  };
  // With tracing on, each request runs in a server span named by its route template once the router matched it.
  return (ctx, next) => {
    const traces = tracing();
    if (!traces.enabled) return handle(ctx, next);
    return traces.serve(ctx.req.headers, ctx.method, async (span) => {
      try {
        await handle(ctx, next);
      } finally {
        span.end((ctx as { _matchedRoute?: string })._matchedRoute, ctx.status);
      }
    });
  };
};
