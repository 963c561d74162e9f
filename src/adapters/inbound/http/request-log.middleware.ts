import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { RequestLogger } from './http-context.js';

const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** One log line per request; the request id comes from X-Request-Id when it is sane, and is echoed back. */
export const logRequests = (log: RequestLogger): Middleware => async (ctx, next) => {
  const started = process.hrtime.bigint();
  const offered = ctx.get('X-Request-Id');
  const requestId = ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  try {
    await next();
  } finally {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    log.info({ requestId, method: ctx.method, path: ctx.path, status: ctx.status, durationMs }, 'request');
  }
};
