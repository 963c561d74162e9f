import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { OrderUseCases } from './http-context.js';
import { jsonBody } from './json-body.middleware.js';
import { avakartOrderJson } from './order-views.js';
import { problem, sendProblem } from './problem-details.js';
import { AvakartCreateBody, AvakartStatusBody, BatchProcessBody } from './request-codecs.js';
import { answerOrder, bodyOf } from './respond.js';

const MAX_BATCH = 1000;

/**
 * The routes the old order processor had, for the Books service and operator tooling: snake_case bodies and the
 * storage Order shape, over the same use cases as the service's own API.
 */
export function avakartRoutes(router: Router, useCases: OrderUseCases, idempotent: Middleware): void {

  router.post('/orders/create', jsonBody, idempotent, async (ctx) => {
    const body = bodyOf(ctx, AvakartCreateBody);
    if (!body) return;
    const command = { bookId: body.book_id, userId: body.user_id, quantity: body.quantity };
    const order = answerOrder(ctx, await useCases.placeOrder.execute(command), 201, avakartOrderJson);
    if (order) ctx.set('Location', `/orders/${encodeURIComponent(order.id)}`);
  });

  router.post('/orders/batch-process', jsonBody, async (ctx) => {
    const body = bodyOf(ctx, BatchProcessBody);
    if (!body) return;
    if (!useCases.settleOrders) {
      return sendProblem(ctx, problem('not-supported', 'Not supported', 501,
        'This storage backend cannot answer the queries recovery needs.'));
    }
    const limit = !body.limit || body.limit <= 0 ? 100 : Math.min(body.limit, MAX_BATCH);
    const report = await useCases.settleOrders.execute(limit);
    ctx.body = {
      processed_count: report.processed,
      message: `expired ${report.expired} abandoned pending orders, returned the stock of ${report.released} released orders`,
      expired: report.expired,
      released: report.released,
      skipped: report.skipped,
    };
  });

  router.put('/orders/update-status', jsonBody, async (ctx) => {
    const body = bodyOf(ctx, AvakartStatusBody);
    if (!body) return;
    const result = await useCases.changeOrderStatus.execute({ orderId: body.order_id, status: body.status });
    answerOrder(ctx, result, 201, avakartOrderJson);
  });

}
