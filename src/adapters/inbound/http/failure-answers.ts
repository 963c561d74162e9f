import type { Context } from 'koa';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { RequestLogger } from './http-context.js';
import { problem, sendProblem, type Problem } from './problem-details.js';

const BODY_ERRORS: Record<string, Problem> = {
  'payload-too-large': problem('payload-too-large', 'Payload too large', 413, 'The request body is larger than 64 KiB.'),
  'unsupported-media-type': problem('unsupported-media-type', 'Unsupported media type', 415,
    'The request body uses an encoding or charset this service does not read.'),
  'malformed-json': problem('malformed-json', 'Malformed JSON', 400, 'The request body is not valid JSON.'),
};

/** Bare 404/405/501 answers from the router become problems; an answer with a body is left as it is. */
export function answerUnrouted(ctx: Context): void {
  if (ctx.body !== undefined && ctx.body !== null) return;
  if (ctx.status === 404) {
    sendProblem(ctx, problem('not-found', 'Not found', 404, `No route matches ${ctx.method} ${ctx.path}.`));
  } else if (ctx.status === 405 || ctx.status === 501) {
    const allow = ctx.response.get('Allow');
    sendProblem(ctx, problem('method-not-allowed', 'Method not allowed', 405,
      `${ctx.method} is not allowed here; allowed: ${allow || 'none'}.`), { Allow: allow });
  }
}

/**
 * Turns whatever escaped a route into problem+json: body errors into their 4xx, dependency failures into 503 with
 * Retry-After, and anything else into a 500 that is logged in full but tells the client nothing internal.
 */
export function answerFailure(ctx: Context, error: unknown, log: RequestLogger): void {
  const known = BODY_ERRORS[(error as Error).message];
  if (known && (error as { expose?: boolean }).expose) return sendProblem(ctx, known);
  if (error instanceof DependencyFailure) {
    const retryAfter = error.options.retryAfterSeconds ?? 1;
    log.error({ err: error, dependency: error.dependency, requestId: ctx.state.requestId }, 'dependency failure');
    return sendProblem(ctx, problem('dependency-unavailable', 'Service unavailable', 503,
      error.options.outcomeUnknown
        ? `The ${error.dependency} failed mid-way; the change may have been applied. Read the order before retrying.`
        : `The ${error.dependency} is unavailable; the request was not completed. Retry later.`,
      {
        dependency: error.dependency,
        outcome: error.options.outcomeUnknown ? 'unknown' : 'not-applied',
        ...(error.options.orderId ? { orderId: error.options.orderId } : {}),
      }), { 'Retry-After': String(retryAfter) });
  }
  log.error({ err: error, requestId: ctx.state.requestId }, 'unhandled error');
  sendProblem(ctx, problem('internal-error', 'Internal error', 500,
    `The request failed unexpectedly; quote request id ${String(ctx.state.requestId)} when reporting it.`));
}
