import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../application/list-user-orders.use-case.js';
import { isOrderId, isUserId } from '../../../domain/identifiers.js';
import { orderNotFound } from '../../../domain/order-error.js';
import { isOrderStatus, ORDER_STATUSES, type OrderStatus } from '../../../domain/order-status.js';
import type { OrderUseCases } from './http-context.js';
import { jsonBody } from './json-body.middleware.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';
import { pageQuery } from './list-query.js';
import { orderResourceJson, toOrderResource } from './order-views.js';
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

const ORDER_PAGES = { defaultLimit: DEFAULT_PAGE_SIZE, maxLimit: MAX_PAGE_SIZE, decodeCursor };

export function orderRoutes(router: Router, useCases: OrderUseCases, options: OrderRouteOptions): void {

  router.post('/orders', jsonBody, options.idempotent, async (ctx) => {
    const command = bodyOf(ctx, PlaceOrderBody);
    if (!command) return;
    const order = answerOrder(ctx, await useCases.placeOrder.execute(command), 201, orderResourceJson);
    if (order) ctx.set('Location', `/orders/${encodeURIComponent(order.id)}`);
  });

  router.get('/orders', async (ctx) => {
    const errors: FieldError[] = [];
    const status = ctx.query.status;
    if (Array.isArray(status) || (status !== undefined && !isOrderStatus(status))) {
      errors.push({ pointer: 'status', detail: `must be one of ${ORDER_STATUSES.join(', ')}` });
    }
    const page = pageQuery(ctx.query, errors, ORDER_PAGES);
    if (errors.length || !page) return sendProblem(ctx, validationProblem(errors, 400));
    const found = await useCases.listOrderQueue.execute({ ...page, ...(status ? { status: status as OrderStatus } : {}) });
    ctx.body = { orders: found.orders.map(toOrderResource), nextCursor: found.next ? encodeCursor(found.next) : null };
  });

  router.get('/orders/user/:userId', async (ctx) => {
    const { userId } = ctx.params;
    const errors: FieldError[] = [];
    if (!userId || !isUserId(userId)) errors.push({ pointer: 'userId', detail: 'must be a valid user id' });
    const page = pageQuery(ctx.query, errors, ORDER_PAGES);
    if (errors.length || !page || !userId || !isUserId(userId)) return sendProblem(ctx, validationProblem(errors, 400));

    const found = await useCases.listUserOrders.execute({ userId, ...page });
    ctx.body = { orders: found.orders.map(toOrderResource), nextCursor: found.next ? encodeCursor(found.next) : null };
  });

  router.get('/orders/:id', async (ctx) => {
    const { id } = ctx.params;
    const result = id && isOrderId(id) ? await useCases.getOrder.execute(id) : E.left(orderNotFound(id as never));
    answerOrder(ctx, result, 200, orderResourceJson);
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
    answerOrder(ctx, result, 200, orderResourceJson);
  });

}
