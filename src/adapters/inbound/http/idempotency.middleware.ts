import { createHash } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { IdempotencyStore } from '../../../application/ports/idempotency-store.port.js';
import type { RequestLogger } from './http-context.js';
import { problem, sendProblem, validationProblem } from './problem-details.js';

export interface IdempotencyPolicy {
  /** How long a completed key answers retries; at least 24 hours. */
  readonly ttlMs: number;
  /** A claim older than this belongs to a request that died; longer than any request can run. */
  readonly abandonAfterMs: number;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
/** How often records past their time to live are deleted; until then they only count as absent. */
const PURGE_EVERY_MS = 3_600_000;
const REPLAYED_HEADERS = ['location', 'etag'];

/**
 * Idempotency-Key for POST routes (after the body is parsed, before the handler): the same key and body get the
 * first success again and change nothing; the same key with another body is 422; a key whose first request is
 * still running is 409. A refusal (4xx) or a failure that changed nothing releases the key. A failure with an
 * unknown outcome keeps it claimed until the claim is abandoned, so a quick retry cannot place a second order.
 */
export function idempotent(
  store: IdempotencyStore,
  policy: IdempotencyPolicy,
  log: RequestLogger,
  clock: () => number = Date.now,
): Middleware {
  let lastPurge = -Infinity;
  const purgeNowAndThen = (now: number) => {
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    store.purge(new Date(now - policy.ttlMs)).catch((error: unknown) =>
      log.error({ err: error }, 'could not purge expired idempotency keys'));
  };
  // Not async itself: a request without a key, nearly every one, costs no extra promise.
  return (ctx, next) => {
    const key = ctx.req.headers['idempotency-key']; // node joins repeated ones into one string, as ctx.get sees it
    return typeof key === 'string' && key !== '' ? guarded(ctx, next, key) : next();
  };

  async function guarded(ctx: Context, next: Next, key: string): Promise<void> {
    if (!KEY.test(key)) {
      return sendProblem(ctx, validationProblem([{ pointer: 'Idempotency-Key', detail: 'must be 1 to 255 visible ASCII characters' }], 400));
    }
    const now = clock();
    purgeNowAndThen(now);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([ctx.method, ctx.path, ctx.get('Authorization'), (ctx.request as { body?: unknown }).body ?? null]))
      .digest('base64url');
    const claim = await store.claim({
      key,
      fingerprint,
      now: new Date(now),
      abandonedBefore: new Date(now - policy.abandonAfterMs),
      expiredBefore: new Date(now - policy.ttlMs),
    });
    switch (claim.kind) {
      case 'mismatch':
        return sendProblem(ctx, problem('idempotency-key-reused', 'Idempotency key reused', 422,
          'This Idempotency-Key was used with a different request; use a new key for a new request.'));
      case 'in-flight':
        return sendProblem(ctx, problem('idempotency-key-in-flight', 'Request in progress', 409,
          'A request with this Idempotency-Key is still being processed; retry shortly.'), { 'Retry-After': '1' });
      case 'replay':
        ctx.status = claim.response.status;
        ctx.set({ ...claim.response.headers, 'Idempotent-Replayed': 'true' });
        ctx.body = claim.response.body;
        return;
      case 'claimed':
        break;
    }

    try {
      await next();
    } catch (error) {
      if (!(error instanceof DependencyFailure && error.options.outcomeUnknown)) await store.release(key);
      throw error;
    }
    // Only a success is remembered: a refusal changed nothing, and the client may fix the request and retry.
    if (ctx.status < 200 || ctx.status >= 300) {
      await store.release(key);
      return;
    }
    const headers: Record<string, string> = { 'content-type': String(ctx.response.get('Content-Type')) };
    for (const name of REPLAYED_HEADERS) if (ctx.response.get(name)) headers[name] = String(ctx.response.get(name));
    try {
      await store.complete(key, { status: ctx.status, body: ctx.body, headers }, new Date(clock()));
    } catch (error) {
      // The order is placed and the client gets its answer; the claim is left to be abandoned, never replayed wrong.
      log.error({ err: error, requestId: ctx.state.requestId }, 'could not record the idempotent response');
    }
  }
}
