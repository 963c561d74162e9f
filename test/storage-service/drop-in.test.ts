import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { request } from '../support/test-service.js';
import { startStack, type Stack } from './storage-service-harness.js';

/** The Order struct the Books service decodes our answers into (Go: time.Time wants RFC 3339). */
const BooksServiceOrder = t.strict({
  id: t.string,
  book_id: t.string,
  user_id: t.string,
  status: t.string,
  price: t.number,
  quantity: t.number,
  created: t.refinement(t.string, (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s), 'RFC3339'),
});

const decodeAsBooksService = (body: unknown) => {
  const decoded = BooksServiceOrder.decode(body);
  if (E.isLeft(decoded)) throw new Error(`the Books service could not decode ${JSON.stringify(body)}`);
  return decoded.right;
};

describe('storage-service backend as a drop-in for the old order processor', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
    stack.fake.addBook({ id: 'b1', price: 10.1, quantity: 5 });
  });
  afterEach(() => stack.stop());

  it('answers exactly what the Books service sends with 201 and a snake_case Order, stored with its stock taken', async () => {
    const response = await request(stack.service.url, 'POST', '/orders/create', '{"book_id":"b1","user_id":"test-buyer","quantity":1}');

    expect(response.status).toBe(201);
    const order = decodeAsBooksService(response.body);
    expect(order).toMatchObject({ book_id: 'b1', user_id: 'test-buyer', status: 'confirmed', price: 10.1, quantity: 1 });
    expect(stack.fake.orders.get(order.id)).toMatchObject({ book_id: 'b1', user_id: 'test-buyer', status: 'confirmed', price: 10.1, quantity: 1 });
    expect(stack.fake.stockOf('b1')).toBe(4);
    expect(stack.fake.requestsTo('PUT /internal/books/update-quantity').map((r) => JSON.parse(r.body))).toEqual([{ book_id: 'b1', quantity: 4 }]);
  });

  it('stores totals exactly: 3 × 10.10 is 30.3 in the answer and in the storage record', async () => {
    const response = await request(stack.service.url, 'POST', '/orders/create', { book_id: 'b1', user_id: 'u1', quantity: 3 });
    expect(response.status).toBe(201);
    expect(response.body.price).toBe(30.3);
    expect(stack.fake.orders.get(response.body.id)!.price).toBe(30.3);
  });

  it('refuses an order the stock cannot serve with 409 and leaves the stock as it was', async () => {
    const response = await request(stack.service.url, 'POST', '/orders/create', { book_id: 'b1', user_id: 'u1', quantity: 6 });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stack.fake.stockOf('b1')).toBe(5);
  });

  it('URL-encodes ids: a book id with & and = reads no other book, and is refused like on the embedded store', async () => {
    const response = await request(stack.service.url, 'POST', '/orders/create', { book_id: 'b1&x=1', user_id: 'u1', quantity: 1 });
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('/problems/book-not-found');
    expect(stack.fake.requestsTo('GET /internal/books/get').map((r) => r.target)).toEqual(['/internal/books/get?id=b1%26x%3D1']);
    expect(stack.fake.stockOf('b1')).toBe(5);
  });

  it('moves the status with PUT /orders/update-status (201, snake_case) and gives the stock back on cancel', async () => {
    const created = await request(stack.service.url, 'POST', '/orders/create', { book_id: 'b1', user_id: 'u1', quantity: 2 });
    const cancelled = await request(stack.service.url, 'PUT', '/orders/update-status', { order_id: created.body.id, status: 'cancelled' });
    expect(cancelled.status).toBe(201);
    expect(decodeAsBooksService(cancelled.body).status).toBe('cancelled');
    expect(stack.fake.orders.get(created.body.id)!.status).toBe('cancelled');
    expect(stack.fake.stockOf('b1')).toBe(5);
    const again = await request(stack.service.url, 'PUT', '/orders/update-status', { order_id: created.body.id, status: 'cancelled' });
    expect(again.status).toBe(201);
    expect(stack.fake.stockOf('b1')).toBe(5);
  });

  it('reads orders the old processor wrote (7-hex id, status "created") and a user\'s orders newest first', async () => {
    stack.fake.orders.set('95afcbe', {
      id: '95afcbe', book_id: 'b1', user_id: 'u1', status: 'created', price: 21, quantity: 2, created: '2026-11-22T01:37:50Z',
    });
    const placed = await request(stack.service.url, 'POST', '/orders', { bookId: 'b1', userId: 'u1', quantity: 1 });
    const legacy = await request(stack.service.url, 'GET', '/orders/95afcbe');
    expect(legacy.status).toBe(200);
    expect(legacy.body).toMatchObject({ status: 'confirmed', unitPrice: 10.5, total: 21, createdAt: '2026-11-22T01:37:50.000Z' });
    const list = await request(stack.service.url, 'GET', '/orders/user/u1?limit=1');
    expect(list.body.orders.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    const rest = await request(stack.service.url, 'GET', `/orders/user/u1?cursor=${list.body.nextCursor}`);
    expect(rest.body.orders.map((o: { id: string }) => o.id)).toEqual(['95afcbe']);
  });

  it('answers 503, not 500, for a stored order it cannot read, and lists other users regardless', async () => {
    stack.fake.orders.set('odd', { id: 'odd', book_id: 'b1', user_id: 'u9', status: 'banana', price: 1, quantity: 1, created: '2026-11-22T01:37:50Z' });
    const odd = await request(stack.service.url, 'GET', '/orders/odd');
    expect(odd.status).toBe(503);
    expect(odd.headers.get('retry-after')).toBeTruthy();
    expect((await request(stack.service.url, 'GET', '/orders/user/u1')).status).toBe(200);
  });

  it('keeps ETags consistent: the version a change answers is the one a read shows', async () => {
    const created = await request(stack.service.url, 'POST', '/orders', { bookId: 'b1', userId: 'u1', quantity: 1 });
    const read = await request(stack.service.url, 'GET', `/orders/${created.body.id}`);
    const changed = await request(stack.service.url, 'PUT', `/orders/${created.body.id}/status`, { status: 'processing' },
      { 'If-Match': read.headers.get('etag')! });
    expect(changed.status).toBe(200);
    const reread = await request(stack.service.url, 'GET', `/orders/${created.body.id}`);
    expect(reread.headers.get('etag')).toBe(changed.headers.get('etag'));
    expect(changed.headers.get('etag')).not.toBe(read.headers.get('etag'));
    const stale = await request(stack.service.url, 'PUT', `/orders/${created.body.id}/status`, { status: 'shipped' },
      { 'If-Match': read.headers.get('etag')! });
    expect(stale.status).toBe(412);
  });
});
