import { request } from '../support/test-service.js';
import {
  expectEventsMatchStorage, expectServiceUnavailable, feedEvents, intentsLeft, placeOrder, placeOrderEventually, startStack, unitsHeld,
  type Stack,
} from './storage-service-harness.js';

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
};

async function eventually(check: () => Promise<boolean>, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('storage-service backend when the storage service is down, hung or overloaded', () => {
  let stack: Stack;
  afterEach(() => stack.stop());

  it('answers 503 while storage is down, is not ready but live, and serves again once storage is back', async () => {
    stack = await startStack({ breakerCooldownMs: 100 });
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    await stack.fake.down();

    expectServiceUnavailable(await placeOrder(stack));
    expect((await request(stack.service.url, 'GET', '/health/ready')).status).toBe(503);
    expect((await request(stack.service.url, 'GET', '/health/live')).status).toBe(200);

    await stack.fake.up();
    await eventually(async () => (await request(stack.service.url, 'GET', '/health/ready')).status === 200);
    expect((await placeOrderEventually(stack)).status).toBe(201);
    expect(5 - stack.fake.stockOf('b1')!).toBe(unitsHeld(stack.fake, 'b1'));
  });

  it('pays the timeout of a hung storage service only until the circuit opens, then answers in milliseconds', async () => {
    stack = await startStack({ timeoutMs: 500, breakerThreshold: 2, breakerCooldownMs: 3000 });
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    stack.fake.latencyMs = 2000;

    const first = await timed(() => placeOrder(stack));
    expectServiceUnavailable(first.value);
    expect(first.ms).toBeGreaterThanOrEqual(2 * 500);
    const later = await timed(() => placeOrder(stack));
    expectServiceUnavailable(later.value);
    expect(later.ms).toBeLessThan(250);
    expect(Number(later.value.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
    expect((await timed(() => request(stack.service.url, 'GET', '/health/ready'))).ms).toBeLessThan(250);
  });

  it('refuses at once with 503 when the wait queue is full, and never exceeds the cap on concurrent calls', async () => {
    stack = await startStack({ maxConcurrency: 1, queueLimit: 2, timeoutMs: 2000 });
    stack.fake.latencyMs = 400;

    // Different orders: identical reads waiting together would share one call (see shared-reads.test.ts).
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => timed(() => request(stack.service.url, 'GET', `/orders/nope-${i}`))));

    const refused = answers.filter((a) => a.value.status === 503);
    const served = answers.filter((a) => a.value.status === 404);
    expect([served.length, refused.length]).toEqual([3, 5]);
    refused.forEach((a) => expectServiceUnavailable(a.value));
    // Refused without waiting: every refusal is back before the quickest request the storage service served.
    expect(Math.max(...refused.map((a) => a.ms))).toBeLessThan(Math.min(...served.map((a) => a.ms)));
    expect(stack.fake.peakInFlight).toBe(1);
  });

  it('bounds the orders waiting for one book: beyond STORAGE_QUEUE_LIMIT they get 503 at once, and no unit is lost', async () => {
    stack = await startStack({ maxConcurrency: 64, queueLimit: 2 });
    stack.fake.addBook({ id: 'b1', quantity: 100 });
    stack.fake.latencyMs = 20;

    const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => placeOrder(stack, `u${i}`)))).map((a) => a.status);

    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 503 && s !== 201)).toEqual([]);
    expect(100 - stack.fake.stockOf('b1')!).toBe(statuses.filter((s) => s === 201).length);
    expect(unitsHeld(stack.fake, 'b1')).toBe(statuses.filter((s) => s === 201).length);
  });

  it('lets recovery (POST /orders/batch-process) finish what crashes left: expire abandoned orders, return stock', async () => {
    stack = await startStack();
    stack.fake.addBook({ id: 'b1', quantity: 6 }); // 10 at first; 4 units taken by the three orders below
    const record = (id: string, status: string, quantity: number) => stack.fake.orders.set(id, {
      id, book_id: 'b1', user_id: 'u1', status, price: 10 * quantity, quantity, created: '2026-01-01T00:00:00Z',
    });
    record('abandoned-holding', 'pending+held', 1);
    record('cancel-crashed', 'cancelled+held', 2);
    record('abandoned-in-doubt', 'pending+taking@7', 1); // its write landed: 7 → 6

    const answer = await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 10 });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ processed_count: 3, expired: 2, released: 1 });
    expect(stack.fake.stockOf('b1')).toBe(10);
    expect(['abandoned-holding', 'cancel-crashed', 'abandoned-in-doubt'].map((id) => stack.fake.orders.get(id)!.status))
      .toEqual(['expired', 'cancelled', 'expired']);
    expect(unitsHeld(stack.fake, 'b1')).toBe(0);
  });

  describe('after a crash between two writes of placing an order', () => {
    /** Leaves an order marked as taking stock, as a process killed at that point would, and starts a new process. */
    async function crashAndRestart(fault: { route: string }): Promise<string> {
      const crashed = await startStack();
      crashed.fake.addBook({ id: 'b1', quantity: 5 });
      crashed.fake.inject({ ...fault, times: 1, fault: { kind: 'reset' } });
      expectServiceUnavailable(await placeOrder(crashed));
      await crashed.service.stop(); // its memory of the doubt dies with it; the storage keeps the mark
      const [stale] = [...crashed.fake.orders.values()];
      expect(stale!.status).toBe('pending+taking@5');
      crashed.fake.clearFaults();
      stack = await startStack({}, crashed.fake);
      return stale!.id;
    }

    it('the stock was taken: the next process marks it held before it writes the book again', async () => {
      const stale = await crashAndRestart({ route: 'PUT /internal/orders/update-status' });
      expect(stack.fake.stockOf('b1')).toBe(4);
      const before = stack.fake.received.length;

      expect((await placeOrder(stack)).status).toBe(201);

      expect(stack.fake.orders.get(stale)!.status).toBe('pending+held');
      expect(stack.fake.stockOf('b1')).toBe(3);
      expect(unitsHeld(stack.fake, 'b1')).toBe(2);
      const writes = stack.fake.received.slice(before).filter((r) => r.method !== 'GET').map((r) => JSON.parse(r.body));
      expect(writes[0]).toEqual({ order_id: stale, status: 'pending+held' });
      await expectEventsAfterRecovery(stack); // its confirmation never landed: no event of it
    });

    it('the stock was not taken: the next process clears the mark and the unit stays on sale', async () => {
      const stale = await crashAndRestart({ route: 'PUT /internal/books/update-quantity' });
      expect(stack.fake.stockOf('b1')).toBe(5);

      expect((await placeOrder(stack)).status).toBe(201);

      expect(stack.fake.orders.get(stale)!.status).toBe('pending');
      expect(stack.fake.stockOf('b1')).toBe(4);
      expect(unitsHeld(stack.fake, 'b1')).toBe(1);
      await expectEventsAfterRecovery(stack);
    });

    it('a batch cut off after its stock write: every mark of it is judged landed, and expiring the orders gives the units back', async () => {
      const crashed = await startStack({ maxConcurrency: 1 });
      crashed.fake.addBook({ id: 'b1', quantity: 5 });
      // The first order's record is slow to write, so the next three queue behind it and go as one batch.
      crashed.fake.inject({ route: 'POST /internal/orders/add', times: 1, fault: { kind: 'delay', ms: 150 } });
      crashed.fake.inject({ route: 'PUT /internal/orders/update-status', skip: 1, fault: { kind: 'reset' } });
      const first = placeOrder(crashed, 'first');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const rest = await Promise.all(['a', 'b', 'c'].map((user) => placeOrder(crashed, user)));
      expect((await first).status).toBe(201);
      rest.forEach(expectServiceUnavailable);
      expect(crashed.fake.requestsTo('PUT /internal/books/update-quantity').map((r) => JSON.parse(r.body).quantity)).toEqual([4, 1]);
      await crashed.service.stop();
      crashed.fake.clearFaults();
      stack = await startStack({}, crashed.fake);

      expect((await placeOrder(stack)).status).toBe(201);

      const marked = [...stack.fake.orders.values()].filter((o) => o.user_id !== 'first' && o.user_id !== 'buyer');
      expect(marked.map((o) => o.status)).toEqual(['pending+held', 'pending+held', 'pending+held']);
      expect([stack.fake.stockOf('b1'), unitsHeld(stack.fake, 'b1')]).toEqual([0, 5]);
      await expireAll(stack, marked.map((o) => o.id));
      expect([stack.fake.stockOf('b1'), unitsHeld(stack.fake, 'b1')]).toEqual([3, 2]);
      await expectEventsAfterRecovery(stack); // the three announced once, as expired
    });
  });

  describe('after a crash between two writes of cancelling an order', () => {
    async function crashCancelAndRestart(fault: { route: string; skip: number }): Promise<string> {
      const crashed = await startStack();
      crashed.fake.addBook({ id: 'b1', quantity: 5 });
      const placed = await placeOrder(crashed, 'buyer', 'b1', 2);
      crashed.fake.inject({ ...fault, times: 1, fault: { kind: 'reset' } });
      expectServiceUnavailable(await request(crashed.service.url, 'PUT', '/orders/update-status', { order_id: placed.body.id, status: 'cancelled' }));
      await crashed.service.stop();
      expect(crashed.fake.orders.get(placed.body.id)!.status).toBe('cancelled+returning@3');
      crashed.fake.clearFaults();
      stack = await startStack({}, crashed.fake);
      return placed.body.id;
    }

    it('the stock went back: the next process settles the cancel without giving it back twice', async () => {
      const cancelled = await crashCancelAndRestart({ route: 'PUT /internal/orders/update-status', skip: 1 });
      expect(stack.fake.stockOf('b1')).toBe(5);
      expect((await placeOrder(stack)).status).toBe(201);
      expect(stack.fake.orders.get(cancelled)!.status).toBe('cancelled');
      expect((await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 10 })).body).toMatchObject({ released: 0 });
      expect([stack.fake.stockOf('b1'), unitsHeld(stack.fake, 'b1')]).toEqual([4, 1]);
      await expectEventsMatchStorage(stack); // the cancel was announced with its mark, once
    });

    it('the stock did not go back: the cancel stands holding it, and recovery gives it back', async () => {
      const cancelled = await crashCancelAndRestart({ route: 'PUT /internal/books/update-quantity', skip: 0 });
      expect(stack.fake.stockOf('b1')).toBe(3);
      expect((await placeOrder(stack)).status).toBe(201);
      expect(stack.fake.orders.get(cancelled)!.status).toBe('cancelled+held');
      expect((await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 10 })).body).toMatchObject({ released: 1 });
      expect(stack.fake.orders.get(cancelled)!.status).toBe('cancelled');
      expect([stack.fake.stockOf('b1'), unitsHeld(stack.fake, 'b1')]).toEqual([4, 1]);
      await expectEventsMatchStorage(stack);
    });
  });

  it('settles an event whose write timed out only after a grace period, so that a write applied late still counts', async () => {
    stack = await startStack({ timeoutMs: 150, intentGraceMs: 800 });
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    stack.fake.inject({ route: 'PUT /internal/orders/update-status', times: 1, fault: { kind: 'delay', ms: 400 } });
    const answer = await placeOrder(stack);
    expectServiceUnavailable(answer);
    expect(stack.fake.orders.get(answer.body.orderId)!.status).toBe('pending+taking@5'); // the confirmation is late
    await stack.fake.idle();
    expect(stack.fake.orders.get(answer.body.orderId)!.status).toBe('confirmed');
    expect(await feedEvents(stack.service.url)).toEqual([]);
    await eventually(async () => (await feedEvents(stack.service.url)).length === 1);
    await expectEventsMatchStorage(stack);
  });

  it("settles an event in doubt from recovery's listing when its order cannot be read alone", async () => {
    stack = await startStack();
    stack.fake.addBook({ id: 'b1', quantity: 5 });
    stack.fake.inject({ route: 'GET /internal/orders/get', fault: { kind: 'status', status: 500 } });
    stack.fake.inject({ route: 'PUT /internal/orders/update-status', times: 1, fault: { kind: 'reset' }, afterApplying: true });
    expectServiceUnavailable(await placeOrder(stack));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await feedEvents(stack.service.url)).toEqual([]); // the record cannot be read: the event waits
    expect(stack.fake.requestsTo('GET /internal/orders/get').length).toBeGreaterThan(0);

    expect((await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 10 })).status).toBe(200);
    await expectEventsMatchStorage(stack);
    expect(await feedEvents(stack.service.url)).toHaveLength(1);
  });

  describe('after a crash between a storage write and its event', () => {
    /** Two processes over one fake and one DATA_DIR: the first stops with a write's outcome unknown. */
    async function restartAfter(fault: { route: string; afterApplying?: boolean }, cancel = false): Promise<string> {
      const crashed = await startStack();
      crashed.fake.addBook({ id: 'b1', quantity: 5 });
      let orderId: string;
      if (cancel) {
        orderId = (await placeOrder(crashed)).body.id;
        crashed.fake.inject({ ...fault, times: 1, fault: { kind: 'reset' } });
        expectServiceUnavailable(await request(crashed.service.url, 'PUT', '/orders/update-status', { order_id: orderId, status: 'cancelled' }));
      } else {
        crashed.fake.inject({ ...fault, times: 1, fault: { kind: 'reset' } });
        const answer = await placeOrder(crashed);
        expectServiceUnavailable(answer);
        orderId = answer.body.orderId;
      }
      await crashed.service.stop();
      expect(intentsLeft(crashed.fake)).toBe(1); // its event, in doubt
      crashed.fake.clearFaults();
      stack = await startStack({}, crashed.fake);
      return orderId;
    }

    it.each([
      ['the confirmation landed', { route: 'PUT /internal/orders/update-status', afterApplying: true }, false, 'confirmed'],
      ['the confirmation did not land', { route: 'PUT /internal/orders/update-status' }, false, 'pending+taking@5'],
      ['the cancel landed', { route: 'PUT /internal/orders/update-status', afterApplying: true }, true, 'cancelled+returning@4'],
      ['the cancel did not land', { route: 'PUT /internal/orders/update-status' }, true, 'confirmed'],
    ] as const)('%s: the next process settles the event from the record, with no write and no recovery run', async (_, fault, cancel, status) => {
      const orderId = await restartAfter(fault, cancel);
      expect(stack.fake.orders.get(orderId)!.status).toBe(status);
      const writes = stack.fake.received.length;
      await eventually(async () => {
        try {
          await expectEventsMatchStorage(stack);
          return intentsLeft(stack.fake) === 0;
        } catch {
          return false;
        }
      });
      expect(stack.fake.routesFrom(writes).filter((route) => !route.startsWith('GET '))).toEqual([]);
      await expectEventsAfterRecovery(stack);
    });
  });
});

/** Recovery runs, and the feed then holds an event for exactly what the storage service holds. */
async function expectEventsAfterRecovery(stack: Stack): Promise<void> {
  expect((await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 100 })).status).toBe(200);
  await expectEventsMatchStorage(stack);
}

/** Expires pending orders as recovery does once they are old enough (these are too recent for it), by the operators' route. */
async function expireAll(stack: Stack, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const answer = await request(stack.service.url, 'PUT', '/orders/update-status', { order_id: id, status: 'expired' });
    expect(answer.status).toBe(201);
  }
}
