import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/infrastructure/server.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

let service: RunningService;
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  request(service.url, method, path, body, headers);
const expectProblem = (response: Awaited<ReturnType<typeof request>>, status: number, slug: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `/problems/${slug}`, status });
};

describe('the books and inventory API', () => {
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(() => service.stop());

  it('lists the catalog by id, a page at a time', async () => {
    const first = await call('GET', '/books?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.books.map((b: { id: string }) => b.id)).toEqual(['b1', 'b2']);
    expect(first.body.books[0]).toEqual({ id: 'b1', title: 'The Go Programming Language', author: 'Alan Donovan, Brian Kernighan', price: 39.99, stock: 100 });
    const rest = await call('GET', `/books?limit=200&cursor=${first.body.nextCursor}`);
    expect(rest.body.books.map((b: { id: string }) => b.id)).toEqual(['b3', 'b4', 'b5']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('creates a book (201), replaces its details under If-Match (200, 412 when stale), never its stock (409)', async () => {
    const created = await call('PUT', '/books/new-1', { title: 'Dune', author: 'Frank Herbert', price: 9.99, stock: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'new-1', title: 'Dune', author: 'Frank Herbert', price: 9.99, stock: 3 });
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe('/books/new-1');
    const replaced = await call('PUT', '/books/new-1', { title: 'Dune', author: 'Frank Herbert', price: 12.5 }, { 'If-Match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ price: 12.5, stock: 3 });
    expect(replaced.headers.get('etag')).toBe('"2"');
    expectProblem(await call('PUT', '/books/new-1', { title: 'T', author: 'A', price: 1 }, { 'If-Match': '"1"' }), 412, 'precondition-failed');
    const settable = await call('PUT', '/books/new-1', { title: 'Dune', author: 'Frank Herbert', price: 12.5, stock: 30 });
    expectProblem(settable, 409, 'stock-not-settable');
    expect(settable.body.adjustments).toBe('/books/new-1/stock-adjustments');
    expectProblem(await call('PUT', '/books/ghost', { title: 'T', author: 'A', price: 1, stock: 1 }, { 'If-Match': '*' }), 412, 'precondition-failed');
    expectProblem(await call('PUT', '/books/ghost', { title: 'T', author: 'A', price: 1 }), 422, 'validation-error');
    const read = await call('GET', '/books/new-1');
    expect(read.body).toMatchObject({ price: 12.5, stock: 3 });
    expect(read.headers.get('etag')).toBe('"2"');
    expectProblem(await call('GET', '/books/ghost'), 404, 'book-not-found');
  });

  it('prices orders at the price of the moment they are placed', async () => {
    const before = (await call('POST', '/orders', { bookId: 'b4', userId: 'alice', quantity: 1 })).body;
    await call('PUT', '/books/b4', { title: 'Release It!', author: 'Michael Nygard', price: 20 });
    const after = (await call('POST', '/orders', { bookId: 'b4', userId: 'alice', quantity: 1 })).body;
    expect([before.unitPrice, after.unitPrice]).toEqual([10.1, 20]);
    expect((await call('GET', `/orders/${before.id}`)).body.unitPrice).toBe(10.1);
  });

  it.each([
    [{ title: 'T', author: 'A', price: 1.005, stock: 1 }, '/price'],
    [{ title: 'T', author: 'A', price: -1, stock: 1 }, '/price'],
    [{ title: 'T', author: 'A', price: 1e12, stock: 1 }, '/price'],
    [{ title: 'T', author: 'A', price: '1', stock: 1 }, '/price'],
    [{ title: 'T', author: 'A', price: 1, stock: -1 }, '/stock'],
    [{ title: 'T', author: 'A', price: 1, stock: 1.5 }, '/stock'],
    [{ title: 'T', author: 'A', price: 1, stock: 1e10 }, '/stock'],
    [{ title: '', author: 'A', price: 1, stock: 1 }, '/title'],
    [{ title: 'T', author: ' ', price: 1, stock: 1 }, '/author'],
    [{ title: 'x'.repeat(501), author: 'A', price: 1, stock: 1 }, '/title'],
    [{ author: 'A', price: 1, stock: 1 }, '/title'],
  ])('refuses a bad book with 422 and creates nothing: %j', async (body, pointer) => {
    const response = await call('PUT', '/books/bad-1', body);
    expectProblem(response, 422, 'validation-error');
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await call('GET', '/books/bad-1')).status).toBe(404);
  });

  it('adjusts stock (201) with a ledger newest first; 409 below zero; 404 for no such book', async () => {
    const restock = await call('POST', '/books/b5/stock-adjustments', { delta: 10, reason: 'restock' });
    expect(restock.status).toBe(201);
    expect(restock.body).toMatchObject({ bookId: 'b5', delta: 10, stock: 11, reason: 'restock', id: expect.any(String) });
    expect(new Date(restock.body.at).toISOString()).toBe(restock.body.at);
    const writeOff = await call('POST', '/books/b5/stock-adjustments', { delta: -3, reason: 'water damage' });
    expect(writeOff.body.stock).toBe(8);
    const short = await call('POST', '/books/b5/stock-adjustments', { delta: -9, reason: 'miscount' });
    expectProblem(short, 409, 'insufficient-stock');
    expect(short.body).toMatchObject({ requested: 9, available: 8 });
    expectProblem(await call('POST', '/books/ghost/stock-adjustments', { delta: 1, reason: 'restock' }), 404, 'book-not-found');
    expect((await call('GET', '/books/b5')).body.stock).toBe(8);
    const ledger = await call('GET', '/books/b5/stock-adjustments?limit=1');
    expect(ledger.body.adjustments).toEqual([writeOff.body]);
    const older = await call('GET', `/books/b5/stock-adjustments?cursor=${ledger.body.nextCursor}`);
    expect(older.body).toEqual({ adjustments: [restock.body], nextCursor: null });
    expectProblem(await call('GET', '/books/ghost/stock-adjustments'), 404, 'book-not-found');
    const events = (await call('GET', '/events')).body.events;
    expect(events.map((e: { type: string; data: { stock: number } }) => [e.type, e.data.stock])).toEqual([
      ['com.avakart.book.stock-adjusted', 11], ['com.avakart.book.stock-adjusted', 8],
    ]);
  });

  it('lets a sold-out book be ordered again after a restock', async () => {
    await call('POST', '/orders', { bookId: 'b5', userId: 'u', quantity: 1 });
    expectProblem(await call('POST', '/orders', { bookId: 'b5', userId: 'u', quantity: 1 }), 409, 'insufficient-stock');
    await call('POST', '/books/b5/stock-adjustments', { delta: 2, reason: 'restock' });
    expect((await call('POST', '/orders', { bookId: 'b5', userId: 'u', quantity: 2 })).status).toBe(201);
    expect((await call('GET', '/books/b5')).body.stock).toBe(0);
  });

  it('honours Idempotency-Key on adjustments: a retry applies once', async () => {
    const key = { 'Idempotency-Key': 'restock-b4-0001' };
    const first = await call('POST', '/books/b4/stock-adjustments', { delta: 5, reason: 'restock' }, key);
    const again = await call('POST', '/books/b4/stock-adjustments', { delta: 5, reason: 'restock' }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('GET', '/books/b4')).body.stock).toBe(15);
    expectProblem(await call('POST', '/books/b4/stock-adjustments', { delta: 6, reason: 'restock' }, key), 422, 'idempotency-key-reused');
  });

  it.each([
    [{ delta: 0, reason: 'restock' }, '/delta'], [{ delta: 1.5, reason: 'restock' }, '/delta'], [{ delta: '5', reason: 'restock' }, '/delta'],
    [{ delta: 2e9, reason: 'restock' }, '/delta'], [{ delta: 1, reason: '' }, '/reason'], [{ delta: 1, reason: 'x'.repeat(201) }, '/reason'],
    [{ delta: 1, reason: 'bad\nreason' }, '/reason'], [{ delta: 1 }, '/reason'],
  ])('refuses a bad adjustment with 422 and changes nothing: %j', async (body, pointer) => {
    const response = await call('POST', '/books/b1/stock-adjustments', body);
    expect(response.status).toBe(422);
    if (pointer) expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await call('GET', '/books/b1')).body.stock).toBe(100);
    expect((await call('GET', '/books/b1/stock-adjustments')).body.adjustments).toEqual([]);
  });

  it.each(['limit=0', 'limit=201', 'cursor=!!', 'cursor=zz', 'limit=1&limit=2'])('answers 400 for a bad list query: %s', async (query) => {
    expectProblem(await call('GET', `/books?${query}`), 400, 'validation-error');
    expectProblem(await call('GET', `/books/b1/stock-adjustments?${query}`), 400, 'validation-error');
  });
});

describe('who may change the catalog', () => {
  const USER = 'user-token-0123456789abcdef';
  const ADMIN = 'admin-token-0123456789abcdef';
  const FILED = 'filed-admin-token-0123456789';
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const dir = tempDir();
  afterAll(() => dir.remove());
  afterEach(() => service.stop());

  it('with ADMIN_TOKENS: writes need an admin token (401 without, 403 with a user token); reads follow AUTH_TOKENS', async () => {
    const file = join(dir.path, 'admin-tokens');
    writeFileSync(file, `${FILED}\n`);
    service = await startTestService({ AUTH_TOKENS: USER, ADMIN_TOKENS: ADMIN, ADMIN_TOKENS_FILE: file });
    const restock = { delta: 1, reason: 'restock' };
    expectProblem(await call('POST', '/books/b1/stock-adjustments', restock), 401, 'unauthorized');
    expectProblem(await call('POST', '/books/b1/stock-adjustments', restock, bearer('not-a-known-token-at-all')), 401, 'unauthorized');
    expectProblem(await call('POST', '/books/b1/stock-adjustments', restock, bearer(USER)), 403, 'forbidden');
    expectProblem(await call('PUT', '/books/b1', { title: 'T', author: 'A', price: 1 }, bearer(USER)), 403, 'forbidden');
    expect((await call('POST', '/books/b1/stock-adjustments', restock, bearer(ADMIN))).status).toBe(201);
    expect((await call('POST', '/books/b1/stock-adjustments', restock, bearer(FILED))).status).toBe(201);
    expect((await call('GET', '/books/b1')).status).toBe(401);
    expect((await call('GET', '/books/b1', undefined, bearer(USER))).body.stock).toBe(102);
    expect((await call('GET', '/orders?status=confirmed', undefined, bearer(ADMIN))).status).toBe(401);
  });

  it('without ADMIN_TOKENS: /books follows AUTH_TOKENS like every other route', async () => {
    service = await startTestService({ AUTH_TOKENS: USER });
    expect((await call('POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' })).status).toBe(401);
    expect((await call('POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' }, bearer(USER))).status).toBe(201);
  });

  it('with ADMIN_TOKENS only: reads are open, writes need an admin token', async () => {
    service = await startTestService({ ADMIN_TOKENS: ADMIN });
    expect((await call('GET', '/books')).status).toBe(200);
    expect((await call('POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' })).status).toBe(401);
    expect((await call('POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' }, bearer(ADMIN))).status).toBe(201);
  });
});
