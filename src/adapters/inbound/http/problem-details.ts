import type { Context } from 'koa';
import type { OrderError } from '../../../domain/order-error.js';

/** An RFC 9457 problem. `type` is a stable slug under /problems/; extension members carry the specifics. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly [extension: string]: unknown;
}

export interface FieldError {
  /** JSON Pointer (body) or parameter name (query) of the offending value. */
  readonly pointer: string;
  readonly detail: string;
}

export const problem = (slug: string, title: string, status: number, detail: string, extensions: object = {}): Problem => ({
  type: `/problems/${slug}`,
  title,
  status,
  detail,
  ...extensions,
});

/** The one place a domain failure becomes an HTTP answer. A new error tag fails to compile until it is mapped here. */
export function problemForOrderError(error: OrderError): Problem {
  switch (error._tag) {
    case 'BookNotFound':
      return problem('book-not-found', 'Book not found', 422, `There is no book with id ${JSON.stringify(error.bookId)}.`, {
        bookId: error.bookId,
      });
    case 'InsufficientStock':
      return problem('insufficient-stock', 'Insufficient stock', 409,
        `Book ${JSON.stringify(error.bookId)} has ${error.available} in stock; the order asked for ${error.requested}.`, {
          bookId: error.bookId,
          requested: error.requested,
          available: error.available,
          ...(error.orderId ? { orderId: error.orderId } : {}),
        });
    case 'OrderNotFound':
      return problem('order-not-found', 'Order not found', 404, `There is no order with id ${JSON.stringify(error.orderId)}.`, {
        orderId: error.orderId,
      });
    case 'IllegalTransition':
      return problem('illegal-transition', 'Illegal status change', 409,
        `An order in status ${error.from} cannot move to ${error.to}.`, {
          orderId: error.orderId,
          from: error.from,
          to: error.to,
          allowed: error.allowed,
        });
    case 'VersionMismatch':
      return problem('version-mismatch', 'Order has changed', 412,
        `The order is at version ${error.actual}, not the version ${error.expected} the request was based on.`, {
          orderId: error.orderId,
          currentVersion: error.actual,
        });
    default:
      return unreachable(error);
  }
}

export const validationProblem = (errors: readonly FieldError[], status = 422): Problem =>
  problem('validation-error', 'Invalid request', status, errors.map((e) => `${e.pointer || '(body)'}: ${e.detail}`).join('; '), {
    errors,
  });

export function sendProblem(ctx: Context, body: Problem, headers: Record<string, string> = {}): void {
  ctx.status = body.status;
  ctx.set(headers);
  ctx.type = 'application/problem+json';
  ctx.body = body;
}

function unreachable(value: never): never {
  throw new Error(`unmapped error ${JSON.stringify(value)}`);
}
