import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import type { Context } from 'koa';
import type { Order } from '../../../domain/order.js';
import type { OrderError } from '../../../domain/order-error.js';
import { problemForOrderError, sendProblem, validationProblem } from './problem-details.js';
import { decode } from './request-codecs.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Decodes the parsed body; on failure answers 422 with every offending field and returns undefined. */
export function bodyOf<A>(ctx: Context, codec: t.Decoder<unknown, A>): A | undefined {
  const decoded = decode(codec, (ctx.request as { body?: unknown }).body);
  if (E.isRight(decoded)) return decoded.right;
  sendProblem(ctx, validationProblem(decoded.left));
  return undefined;
}

/** Answers a use-case result: the order in the given view (as JSON text), or the problem its error maps to. */
export function answerOrder(
  ctx: Context,
  result: E.Either<OrderError, Order>,
  status: number,
  view: (order: Order) => string,
): Order | undefined {
  if (E.isLeft(result)) {
    sendProblem(ctx, problemForOrderError(result.left));
    return undefined;
  }
  ctx.status = status;
  ctx.set('ETag', `"${result.right.version}"`);
  // Set before the body, as Koa sets it for an object: a string body would otherwise be typed text/plain.
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = view(result.right);
  return result.right;
}
