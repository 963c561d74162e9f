// The framework's floor: Koa, @koa/router and koa-bodyparser, as the service uses them, answering the baseline's
// shapes with no validation library, no logging, no metrics and no storage. Its ratio to the baseline is the
// most any route of the service can reach on this stack; the service's own ratio is read against it.
//   node test/bench/koa-floor-server.mjs [port]   (prints "listening <port>" once ready)
import { randomUUID } from 'node:crypto';
import { Router } from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { LIST_CURSOR, resource } from './bench-shapes.mjs';

const app = new Koa();
const router = new Router();
const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', strict: false });
const reply = (ctx, status, body, headers = {}) => {
  ctx.status = status;
  ctx.set({ 'X-Request-Id': randomUUID(), ...headers });
  ctx.body = body;
};

router.post('/orders', json, (ctx) => {
  const { bookId, userId, quantity } = ctx.request.body ?? {};
  if (typeof bookId !== 'string' || typeof userId !== 'string' || !Number.isInteger(quantity)) {
    return reply(ctx, 422, { title: 'Invalid request' });
  }
  const id = randomUUID();
  reply(ctx, 201, resource(id, bookId, userId, quantity), { Location: `/orders/${id}`, ETag: '"2"' });
});
router.get('/orders/user/:userId', (ctx) => {
  const limit = Number(ctx.query.limit ?? 50);
  const orders = Array.from({ length: limit }, () => resource(randomUUID(), 'b1', ctx.params.userId, 1));
  reply(ctx, 200, { orders, nextCursor: LIST_CURSOR });
});
router.get('/orders/:id', (ctx) => reply(ctx, 200, resource(ctx.params.id, 'b1', 'bench-user', 1), { ETag: '"2"' }));
router.get('/health/ready', (ctx) => { ctx.body = 'Ready'; });
app.use(router.routes());

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
server.keepAliveTimeout = 5_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
