import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService } from '../support/test-service.js';

let service: RunningService;
let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => ReturnType<typeof request>;

beforeAll(async () => {
  service = await startTestService();
  call = (method, path, body, headers) => request(service.url, method, path, body, headers);
});
afterAll(() => service.stop());

const expectProblem = (response: Awaited<ReturnType<typeof request>>, status: number, slug: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `/problems/${slug}`, status, title: expect.any(String), detail: expect.any(String) });
};

describe('POST /orders', () => {
  it('places an order: 201, camelCase body, Location, exact money', async () => {
    const response = await call('POST', '/orders', { bookId: 'b4', userId: 'alice', quantity: 3 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ bookId: 'b4', userId: 'alice', quantity: 3, unitPrice: 10.1, total: 30.3, status: 'confirmed', version: 2 });
    expect(response.text).toContain('"total":30.3,');
    expect(response.headers.get('location')).toBe(`/orders/${response.body.id}`);
    expect((await call('GET', response.headers.get('location')!)).body.id).toBe(response.body.id);
  });

  it('answers 422 listing every invalid field, and changes nothing', async () => {
    const before = (await call('GET', '/orders/user/mallory')).body.orders.length;
    const response = await call('POST', '/orders', { bookId: '', quantity: 1.5, extra: true });
    expectProblem(response, 422, 'validation-error');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/bookId', '/quantity', '/userId']);
    expect((await call('GET', '/orders/user/mallory')).body.orders.length).toBe(before);
  });

  it.each([[[]], ['"text"'], [null], [42]])('refuses a body that is not an object: %j', async (body) => {
    expectProblem(await call('POST', '/orders', JSON.stringify(body)), 422, 'validation-error');
  });

  it('answers 422 for an unknown book and 409 for short stock, taking nothing', async () => {
    expectProblem(await call('POST', '/orders', { bookId: 'nope', userId: 'u', quantity: 1 }), 422, 'book-not-found');
    const short = await call('POST', '/orders', { bookId: 'b5', userId: 'u', quantity: 2 });
    expectProblem(short, 409, 'insufficient-stock');
    expect(short.body).toMatchObject({ bookId: 'b5', requested: 2, available: 1 });
  });

  it('answers 400 for malformed JSON, 415 for other media types, 413 above 64 KiB', async () => {
    expectProblem(await call('POST', '/orders', '{"bookId":'), 400, 'malformed-json');
    const form = await fetch(`${service.url}/orders`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ type: '/problems/unsupported-media-type' });
    const huge = { bookId: 'b1', userId: 'u', quantity: 1, padding: 'x'.repeat(70 * 1024) };
    expectProblem(await call('POST', '/orders', huge), 413, 'payload-too-large');
  });
});

describe('reading orders', () => {
  it('GET /orders/:id answers 200 with an ETag, or 404', async () => {
    const placed = (await call('POST', '/orders', { bookId: 'b1', userId: 'bob', quantity: 1 })).body;
    const found = await call('GET', `/orders/${placed.id}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual(placed);
    expect(found.headers.get('etag')).toBe('"2"');
    expectProblem(await call('GET', '/orders/does-not-exist'), 404, 'order-not-found');
    expectProblem(await call('GET', `/orders/${'x'.repeat(300)}`), 404, 'order-not-found');
  });

  it('GET /orders/user/:userId pages newest first with an opaque cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await call('POST', '/orders', { bookId: 'b1', userId: 'carol', quantity: 1 })).body.id);
    const page1 = await call('GET', '/orders/user/carol?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.orders.map((o: { id: string }) => o.id)).toEqual([ids[4], ids[3]]);
    await call('POST', '/orders', { bookId: 'b1', userId: 'carol', quantity: 1 });
    const page2 = await call('GET', `/orders/user/carol?limit=2&cursor=${page1.body.nextCursor}`);
    const page3 = await call('GET', `/orders/user/carol?limit=2&cursor=${page2.body.nextCursor}`);
    expect([...page2.body.orders, ...page3.body.orders].map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(page3.body.nextCursor).toBeNull();
    expect((await call('GET', '/orders/user/carol')).body.orders).toHaveLength(6);
  });

  it.each(['limit=0', 'limit=201', 'limit=abc', 'cursor=bogus', 'limit=1&limit=2'])('answers 400 for ?%s', async (query) => {
    expectProblem(await call('GET', `/orders/user/carol?${query}`), 400, 'validation-error');
  });
});

describe('PUT /orders/:id/status', () => {
  it('moves an order along its lifecycle and refuses illegal moves with 409', async () => {
    const { id } = (await call('POST', '/orders', { bookId: 'b2', userId: 'dave', quantity: 2 })).body;
    for (const status of ['processing', 'shipped']) {
      const moved = await call('PUT', `/orders/${id}/status`, { status });
      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe(status);
    }
    expect((await call('PUT', `/orders/${id}/status`, { status: 'shipped' })).status).toBe(200); // no-op
    const illegal = await call('PUT', `/orders/${id}/status`, { status: 'cancelled' });
    expectProblem(illegal, 409, 'illegal-transition');
    expect(illegal.body).toMatchObject({ from: 'shipped', to: 'cancelled', allowed: ['delivered'] });
    expect((await call('GET', `/orders/${id}`)).body.status).toBe('shipped');
  });

  it('answers 422 with the allowed values for an unknown status, and 404 for an unknown order', async () => {
    const unknown = await call('PUT', '/orders/whatever/status', { status: 'banana' });
    expectProblem(unknown, 422, 'validation-error');
    expect(unknown.body.errors[0].detail).toContain('pending, confirmed, processing, shipped, delivered, cancelled, rejected, expired');
    expectProblem(await call('PUT', '/orders/nope/status', { status: 'cancelled' }), 404, 'order-not-found');
  });

  it('gives stock back on cancel, once', async () => {
    const stockOf = async () => (await service.backend.inventory.findBook('b3' as never))!.stock;
    const before = await stockOf();
    const { id } = (await call('POST', '/orders', { bookId: 'b3', userId: 'erin', quantity: 4 })).body;
    expect(await stockOf()).toBe(before - 4);
    await Promise.all([1, 2, 3].map(() => call('PUT', `/orders/${id}/status`, { status: 'cancelled' })));
    expect(await stockOf()).toBe(before);
  });
});

describe('AvaKart compatibility routes', () => {
  it('POST /orders/create takes the Books service body and answers the storage Order shape', async () => {
    const response = await call('POST', '/orders/create', { book_id: 'b1', user_id: 'test-buyer', quantity: 1 });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['book_id', 'created', 'id', 'price', 'quantity', 'status', 'user_id']);
    expect(response.body).toMatchObject({ book_id: 'b1', user_id: 'test-buyer', quantity: 1, price: 39.99, status: 'confirmed' });
    expect(new Date(response.body.created).toISOString()).toBe(response.body.created);
  });

  it('PUT /orders/update-status answers 201 with the updated order, and refuses unknown statuses', async () => {
    const { id } = (await call('POST', '/orders/create', { book_id: 'b1', user_id: 'ops', quantity: 1 })).body;
    const updated = await call('PUT', '/orders/update-status', { order_id: id, status: 'processing' });
    expect(updated.status).toBe(201);
    expect(updated.body).toMatchObject({ id, status: 'processing' });
    for (const status of ['banana', '']) {
      expectProblem(await call('PUT', '/orders/update-status', { order_id: id, status }), 422, 'validation-error');
    }
    expect((await call('GET', `/orders/${id}`)).body.status).toBe('processing');
  });
});

describe('protocol', () => {
  it('answers 404 problem for unknown routes and 405 with Allow for wrong methods', async () => {
    expectProblem(await call('GET', '/nowhere'), 404, 'not-found');
    const wrong = await call('DELETE', '/orders');
    expectProblem(wrong, 405, 'method-not-allowed');
    expect(wrong.headers.get('allow')).toBe('POST, HEAD, GET');
    expect((await call('PATCH', '/orders/some-id/status')).headers.get('allow')).toBe('PUT');
  });

  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    expect((await call('GET', '/health', undefined, { 'x-request-id': 'abc-123' })).headers.get('x-request-id')).toBe('abc-123');
    const replaced = (await call('GET', '/health', undefined, { 'x-request-id': 'a b\tc' })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the health routes', async () => {
    for (const [path, body] of [['/health', 'OK'], ['/health/live', 'OK'], ['/health/ready', 'Ready'], ['/health/startup', 'Started']]) {
      const response = await call('GET', path!);
      expect([response.status, response.text]).toEqual([200, body]);
    }
  });
});
