import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { problem, sendProblem } from './problem-details.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` on every path `guards` accepts. Tokens are
 * compared as SHA-256 digests with timingSafeEqual, and every configured token is compared every time, so the
 * answer's timing says nothing about how much of a token was right or which one matched.
 */
export function bearerAuth(tokens: readonly string[], guards: (path: string, method: string) => boolean): Middleware {
  const holds = tokenMatcher(tokens);
  return async (ctx, next) => {
    if (!guards(ctx.path, ctx.method)) return next();
    if (holds(ctx.get('Authorization'))) return next();
    unauthorized(ctx);
  };
}

/**
 * The write routes of the catalog with ADMIN_TOKENS set: one of `adminTokens` is needed; without a token (or with
 * one the service does not know) 401, with a token that is only good for the other routes 403.
 */
export function adminAuth(adminTokens: readonly string[], userTokens: readonly string[], guards: (path: string, method: string) => boolean): Middleware {
  const isAdmin = tokenMatcher(adminTokens);
  const isUser = tokenMatcher(userTokens);
  return async (ctx, next) => {
    if (!guards(ctx.path, ctx.method)) return next();
    const header = ctx.get('Authorization');
    if (isAdmin(header)) return next();
    if (!isUser(header)) return unauthorized(ctx);
    sendProblem(ctx, problem('forbidden', 'Forbidden', 403, 'Changing the catalog or its stock needs an admin token (ADMIN_TOKENS).'));
  };
}

/** Whether an Authorization header carries one of `tokens`, compared in constant time over all of them. */
function tokenMatcher(tokens: readonly string[]): (header: string) => boolean {
  const accepted = tokens.map(digest);
  return (header) => {
    const presented = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header);
    const candidate = digest(presented?.[1] ?? '');
    let valid = false;
    for (const token of accepted) valid = timingSafeEqual(token, candidate) || valid;
    return presented !== null && valid;
  };
}

function unauthorized(ctx: Context): void {
  sendProblem(ctx, problem('unauthorized', 'Unauthorized', 401, 'This route needs Authorization: Bearer <token>.'), {
    'WWW-Authenticate': 'Bearer realm="order-service"',
  });
}
