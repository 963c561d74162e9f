import { request } from '../support/test-service.js';
import { confirmedWithoutStock, placeOrder, startStack, unitsHeld, type Stack } from './storage-service-harness.js';

const placeMany = (stack: Stack, count: number, bookId = 'b1') =>
  Promise.all(Array.from({ length: count }, (_, i) =>
    request(stack.service.url, 'POST', '/orders/create', { book_id: bookId, user_id: `buyer-${i}`, quantity: 1 })));

const isWrite = (route: string) => !route.startsWith('GET ');

describe('storage-service backend placing one order alone', () => {
  let stack: Stack;
  afterEach(() => stack.stop());

  it('takes 4 storage calls, 3 of them writes: read the book, record it marked, write the stock, confirm it', async () => {
    stack = await startStack({ freshStockMs: 300 });
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    // The first stock change after start-up also lists every order once, for marks an earlier process left.
    expect((await placeOrder(stack, 'warm-up')).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 350)); // past the window in which the book as read stands
    const before = stack.fake.received.length;

    const placed = await placeOrder(stack);

    expect(placed.status).toBe(201);
    const routes = stack.fake.routesFrom(before);
    expect(routes).toEqual([
      'GET /internal/books/get', 'POST /internal/orders/add', 'PUT /internal/books/update-quantity', 'PUT /internal/orders/update-status',
    ]);
    expect(routes.filter(isWrite)).toHaveLength(3);
    const [, add, stock, confirm] = stack.fake.received.slice(before).map((r) => JSON.parse(r.body || 'null'));
    expect([add.status, stock, confirm]).toEqual(['pending+taking@4', { book_id: 'b1', quantity: 3 }, { order_id: placed.body.id, status: 'confirmed' }]);
  });

  it('places the next order for the book within a second of reading it in 3 calls, at the price it read', async () => {
    stack = await startStack({ freshStockMs: 800 });
    stack.fake.addBook({ id: 'b1', quantity: 5, price: 10 });
    expect((await placeOrder(stack, 'warm-up')).status).toBe(201);
    stack.fake.books.get('b1')!.price = 12; // another writer changes the price: seen once the book is read again
    const before = stack.fake.received.length;

    const next = await placeOrder(stack);

    expect([next.status, next.body.price]).toEqual([201, 10]);
    expect(stack.fake.routesFrom(before)).toEqual(['POST /internal/orders/add', 'PUT /internal/books/update-quantity', 'PUT /internal/orders/update-status']);
    await new Promise((resolve) => setTimeout(resolve, 850));
    const later = await placeOrder(stack, 'later');
    expect([later.status, later.body.price]).toEqual([201, 12]);
    expect(stack.fake.stockOf('b1')).toBe(2);
  });

  it('reads the book again at once after this process changed its record', async () => {
    stack = await startStack();
    stack.fake.addBook({ id: 'b1', quantity: 5, price: 10 });
    expect((await placeOrder(stack, 'warm-up')).status).toBe(201);
    const put = await request(stack.service.url, 'PUT', '/books/b1', { title: 'T', author: 'A', price: 12.5 });
    expect(put.status).toBe(200);
    // A stock write after it makes the stock fresh again: the record read before the change must not come back.
    expect((await request(stack.service.url, 'POST', '/books/b1/stock-adjustments', { delta: 2, reason: 'restock' })).status).toBe(201);

    const next = await placeOrder(stack);

    expect([next.status, next.body.price]).toEqual([201, 12.5]);
    expect(stack.fake.stockOf('b1')).toBe(5);
  });

  it('reads the stock again, under the book\'s lock, when the stock it saw is no longer fresh', async () => {
    stack = await startStack({ freshStockMs: 0 });
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    expect((await placeOrder(stack, 'warm-up')).status).toBe(201);
    const before = stack.fake.received.length;

    expect((await placeOrder(stack)).status).toBe(201);

    expect(stack.fake.routesFrom(before)).toEqual([
      'GET /internal/books/get', 'GET /internal/books/quantity', 'POST /internal/orders/add',
      'PUT /internal/books/update-quantity', 'PUT /internal/orders/update-status',
    ]);
  });
});

describe.each([
  { cap: 4, label: 'STORAGE_MAX_CONCURRENCY=4' },
  { cap: 1, label: 'STORAGE_MAX_CONCURRENCY=1' },
])('storage-service backend under concurrent orders, $label', ({ cap }) => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack({ maxConcurrency: cap, timeoutMs: 2000 });
  });
  afterEach(() => stack.stop());

  it('sells exactly the stock: 50 concurrent orders against stock 10 give 10 successes and stock 0, in a few stock writes', async () => {
    stack.fake.addBook({ id: 'b1', quantity: 10 });
    const answers = await placeMany(stack, 50);

    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status !== 201).map((a) => a.status)).toEqual(Array(40).fill(409));
    expect(stack.fake.stockOf('b1')).toBe(0);
    expect(unitsHeld(stack.fake, 'b1')).toBe(10);
    expect(confirmedWithoutStock(stack.fake)).toEqual([]);
    expect(stack.fake.peakInFlight).toBeLessThanOrEqual(cap);
    // Orders that queue behind the book's lock share one stock write.
    expect(stack.fake.requestsTo('PUT /internal/books/update-quantity').length).toBeLessThanOrEqual(5);
    // Reads of the book that wait for a slot together are sent once.
    expect(stack.fake.requestsTo('GET /internal/books/get').length).toBeLessThan(50);
  });

  it('keeps books apart: concurrent orders on two books each sell exactly their own stock', async () => {
    stack.fake.addBook({ id: 'b1', quantity: 3 });
    stack.fake.addBook({ id: 'b2', quantity: 5 });
    const answers = await Promise.all([placeMany(stack, 10, 'b1'), placeMany(stack, 10, 'b2')]);
    expect(answers.map((forBook) => forBook.filter((a) => a.status === 201).length)).toEqual([3, 5]);
    expect([stack.fake.stockOf('b1'), stack.fake.stockOf('b2')]).toEqual([0, 0]);
    expect([unitsHeld(stack.fake, 'b1'), unitsHeld(stack.fake, 'b2')]).toEqual([3, 5]);
  });

  it('keeps stock = seeded − held through concurrent placements and cancels of one book, one stock write for many changes', async () => {
    stack.fake.addBook({ id: 'b1', quantity: 30 });
    stack.fake.latencyMs = 2;
    const cancels: Array<Promise<unknown>> = [];
    // Staggered, so that cancels of early orders queue for the book together with later placements.
    const answers = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, 3 * i));
      const placed = await request(stack.service.url, 'POST', '/orders/create', { book_id: 'b1', user_id: `u${i}`, quantity: 1 + (i % 2) });
      if (placed.status === 201 && i % 3 === 0) {
        cancels.push(request(stack.service.url, 'PUT', '/orders/update-status', { order_id: placed.body.id, status: 'cancelled' }));
      }
      return placed;
    }));
    const cancelled = (await Promise.all(cancels)) as Array<{ status: number }>;

    expect(answers.map((a) => a.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(cancelled.map((a) => a.status).filter((s) => s !== 201)).toEqual([]);
    expect(cancelled.length).toBeGreaterThan(0);
    expect(30 - stack.fake.stockOf('b1')!).toBe(unitsHeld(stack.fake, 'b1'));
    expect(confirmedWithoutStock(stack.fake)).toEqual([]);
    const stockMoves = answers.filter((a) => a.status === 201).length + cancelled.length;
    expect(stack.fake.requestsTo('PUT /internal/books/update-quantity').length).toBeLessThan(stockMoves);
  });
});
