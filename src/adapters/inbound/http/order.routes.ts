import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../application/list-user-orders.use-case.js';
import { isOrderId, isUserId } from '../../../domain/identifiers.js';
import { orderNotFound } from '../../../domain/order-error.js';
import type { OrderUseCases } from './http-context.js';
import { jsonBody } from './json-body.middleware.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';
import { toOrderResource } from './order-views.js';
import { parseIfMatch } from './if-match.js';
import { problem, sendProblem, validationProblem, type FieldError } from './problem-details.js';
import { ChangeStatusBody, PlaceOrderBody } from './request-codecs.js';
import { answerOrder, bodyOf } from './respond.js';

/** The service's own API: camelCase resources under /orders. */
export interface OrderRouteOptions {
  /** When true, PUT /orders/:id/status without If-Match is refused with 428. */
  readonly requireIfMatch: boolean;
  /** Runs before the handlers of routes that create: Idempotency-Key handling. */
  readonly idempotent: Middleware;
}

export function orderRoutes(router: Router, useCases: OrderUseCases, options: OrderRouteOptions): void {

  router.post('/orders', jsonBody, options.idempotent, async (ctx) => {
    const command = bodyOf(ctx, PlaceOrderBody);
    if (!command) return;
    const order = answerOrder(ctx, await useCases.placeOrder.execute(command), 201, toOrderResource);
    if (order) ctx.set('Location', `/orders/${encodeURIComponent(order.id)}`);
  });

  router.get('/orders/user/:userId', async (ctx) => {
    const { userId } = ctx.params;
    const errors: FieldError[] = [];
    if (!userId || !isUserId(userId)) errors.push({ pointer: 'userId', detail: 'must be a valid user id' });
    const limit = single(ctx.query.limit) ?? String(DEFAULT_PAGE_SIZE);
    if (!/^\d{1,3}$/.test(limit) || +limit < 1 || +limit > MAX_PAGE_SIZE) {
      errors.push({ pointer: 'limit', detail: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
    }
    const cursor = single(ctx.query.cursor);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) errors.push({ pointer: 'cursor', detail: 'is not a cursor this service issued' });
    if (Array.isArray(ctx.query.limit) || Array.isArray(ctx.query.cursor)) {
      errors.push({ pointer: 'query', detail: 'limit and cursor may each be given once' });
    }
    if (errors.length || !userId || !isUserId(userId)) return sendProblem(ctx, validationProblem(errors, 400));

    const page = await useCases.listUserOrders.execute({ userId, limit: +limit, ...(after ? { after } : {}) });
    ctx.body = { orders: page.orders.map(toOrderResource), nextCursor: page.next ? encodeCursor(page.next) : null };
  });

  router.get('/orders/:id', async (ctx) => {
    const { id } = ctx.params;
    const result = id && isOrderId(id) ? await useCases.getOrder.execute(id) : E.left(orderNotFound(id as never));
    answerOrder(ctx, result, 200, toOrderResource);
  });

  router.put('/orders/:id/status', jsonBody, async (ctx) => {
    const { id } = ctx.params;
    const condition = parseIfMatch(ctx.get('If-Match') || undefined);
    if (condition.kind === 'invalid') {
      return sendProblem(ctx, validationProblem([{ pointer: 'If-Match', detail: 'must be an ETag this service issued, like "3", or *' }], 400));
    }
    if (condition.kind === 'none' && options.requireIfMatch) {
      return sendProblem(ctx, problem('precondition-required', 'Precondition required', 428,
        'Send If-Match with the ETag of the order you read, so a concurrent change is not overwritten.'));
    }
    const body = bodyOf(ctx, ChangeStatusBody);
    if (!body) return;
    const expectedVersion = condition.kind === 'version' ? { expectedVersion: condition.version } : {};
    const result = id && isOrderId(id)
      ? await useCases.changeOrderStatus.execute({ orderId: id, status: body.status, ...expectedVersion })
      : E.left(orderNotFound(id as never));
    answerOrder(ctx, result, 200, toOrderResource);
  });

}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;
