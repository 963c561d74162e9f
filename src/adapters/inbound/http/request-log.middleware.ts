import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type { RequestLogger } from './http-context.js';

const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** One log line per request; the request id comes from X-Request-Id when it is sane, and is echoed back. */
export const logRequests = (log: RequestLogger): Middleware => async (ctx, next) => {
  const started = performance.now();
  // Read from node's own headers object: ctx.get goes through two delegations and a switch per call.
  const offered = ctx.req.headers['x-request-id'];
  const requestId = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  try {
    await next();
  } finally {
    const durationMs = performance.now() - started;
    log.info({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, durationMs }, 'request');
  }
};
