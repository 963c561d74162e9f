import type { Router } from '@koa/router';
import type { OrderUseCases } from './http-context.js';
import { jsonBody } from './json-body.middleware.js';
import { toAvakartOrder } from './order-views.js';
import { AvakartCreateBody, AvakartStatusBody } from './request-codecs.js';
import { answerOrder, bodyOf } from './respond.js';

/**
 * The routes the old order processor had, for the Books service and operator tooling: snake_case bodies and the
 * storage Order shape, over the same use cases as the service's own API.
 */
export function avakartRoutes(router: Router, useCases: OrderUseCases): void {

  router.post('/orders/create', jsonBody, async (ctx) => {
    const body = bodyOf(ctx, AvakartCreateBody);
    if (!body) return;
    const command = { bookId: body.book_id, userId: body.user_id, quantity: body.quantity };
    const order = answerOrder(ctx, await useCases.placeOrder.execute(command), 201, toAvakartOrder);
    if (order) ctx.set('Location', `/orders/${encodeURIComponent(order.id)}`);
  });

  router.put('/orders/update-status', jsonBody, async (ctx) => {
    const body = bodyOf(ctx, AvakartStatusBody);
    if (!body) return;
    const result = await useCases.changeOrderStatus.execute({ orderId: body.order_id, status: body.status });
    answerOrder(ctx, result, 201, toAvakartOrder);
  });

}
