import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { problem, sendProblem } from './problem-details.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` on every path `guards` accepts. Tokens are
 * compared as SHA-256 digests with timingSafeEqual, and every configured token is compared every time, so the
 * answer's timing says nothing about how much of a token was right or which one matched.
 */
export function bearerAuth(tokens: readonly string[], guards: (path: string) => boolean): Middleware {
  const accepted = tokens.map(digest);
  return async (ctx, next) => {
    if (!guards(ctx.path)) return next();
    const presented = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(ctx.get('Authorization'));
    const candidate = digest(presented?.[1] ?? '');
    let valid = false;
    for (const token of accepted) valid = timingSafeEqual(token, candidate) || valid;
    if (presented && valid) return next();
    sendProblem(ctx, problem('unauthorized', 'Unauthorized', 401, 'This route needs Authorization: Bearer <token>.'), {
      'WWW-Authenticate': 'Bearer realm="order-service"',
    });
  };
}
