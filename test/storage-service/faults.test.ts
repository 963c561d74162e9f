import type { StorageServiceOptions } from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import type { Fault } from '../fakes/fake-storage-service.js';
import { untilPasses } from '../support/retry.js';
import { request } from '../support/test-service.js';
import {
  confirmedWithoutStock, expectEventsMatchStorage, expectServiceUnavailable, placeOrder, placeOrderEventually, startStack, unitsHeld,
  type Stack,
} from './storage-service-harness.js';

const TIMEOUT_MS = 150;
const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ['a 500', { kind: 'status', status: 500 }],
  ['a reset connection', { kind: 'reset' }],
  ['a garbage body', { kind: 'garbage' }],
  ['a timeout', { kind: 'delay', ms: TIMEOUT_MS * 2 }],
];

/** Every write of placing an order, in order: the record with its mark, the stock, the confirmation. */
const PLACE_WRITES = [
  { step: 'recording the order marked taking@S', route: 'POST /internal/orders/add', skip: 0 },
  { step: 'writing the stock', route: 'PUT /internal/books/update-quantity', skip: 0 },
  { step: 'confirming the order', route: 'PUT /internal/orders/update-status', skip: 0 },
];

/** Every write of cancelling a confirmed order: the status marked returning@S, the stock, the plain status. */
const CANCEL_WRITES = [
  { step: 'marking the cancel returning@S', route: 'PUT /internal/orders/update-status', skip: 0 },
  { step: 'giving the stock back', route: 'PUT /internal/books/update-quantity', skip: 0 },
  { step: 'storing the cancel as settled', route: 'PUT /internal/orders/update-status', skip: 1 },
];

const STOCK = 5;

const eventually = (check: () => Promise<void>, withinMs = 3_000) => untilPasses(check, withinMs);

describe('storage-service backend under injected faults', () => {
  let stack: Stack;
  const start = async (options: Partial<StorageServiceOptions> = {}) => {
    // A write that timed out is applied up to TIMEOUT_MS later (the delay fault): its event waits longer than that.
    stack = await startStack({ timeoutMs: TIMEOUT_MS, intentGraceMs: 2 * TIMEOUT_MS, ...options });
    stack.fake.addBook({ id: 'b1', quantity: STOCK });
  };
  afterEach(() => stack.stop());

  const cancel = (orderId: string) => request(stack.service.url, 'PUT', '/orders/update-status', { order_id: orderId, status: 'cancelled' });

  /**
   * After the fault: the storage heals, the next order settles the book's marks, recovery gives back what released
   * orders still hold, and every unit is accounted for: the stock taken is exactly what the records hold. Events
   * whose write's outcome was unknown are settled from the records once their grace is over: then the feed holds
   * an event iff the storage holds its change.
   */
  async function expectConsistentAfterHealing(): Promise<void> {
    await stack.fake.idle();
    stack.fake.clearFaults();
    expect((await placeOrderEventually(stack)).status).toBe(201);
    expect(STOCK - stack.fake.stockOf('b1')!).toBe(unitsHeld(stack.fake, 'b1'));
    expect((await request(stack.service.url, 'POST', '/orders/batch-process', { limit: 100 })).status).toBe(200);
    expect(STOCK - stack.fake.stockOf('b1')!).toBe(unitsHeld(stack.fake, 'b1'));
    expect(confirmedWithoutStock(stack.fake)).toEqual([]);
    expect([...stack.fake.orders.values()].filter((o) => o.status.startsWith('cancelled+'))).toEqual([]);
    await eventually(() => expectEventsMatchStorage(stack));
  }

  describe.each(PLACE_WRITES)('placing an order, a fault while $step', ({ route, skip }) => {
    beforeEach(() => start());

    it.each(FAULTS)('%s before it is applied: 503, never repeated, nothing lost', async (_, fault) => {
      stack.fake.inject({ route, skip, times: 1, fault });
      expectServiceUnavailable(await placeOrder(stack));
      expect(stack.fake.requestsTo(route)).toHaveLength(skip + 1);
      await expectConsistentAfterHealing();
    });

    it.each(FAULTS)('%s after it is applied (a lost answer): 503, nothing lost or counted twice', async (_, fault) => {
      stack.fake.inject({ route, skip, times: 1, fault, afterApplying: true });
      const answer = await placeOrder(stack);
      expectServiceUnavailable(answer);
      expect(answer.body.detail).toMatch(/may have been applied/);
      await expectConsistentAfterHealing();
    });
  });

  describe.each(CANCEL_WRITES)('cancelling a confirmed order, a fault while $step', ({ route, skip }) => {
    let orderId: string;
    beforeEach(async () => {
      await start();
      const placed = await placeOrder(stack, 'buyer', 'b1', 2);
      expect(placed.status).toBe(201);
      orderId = placed.body.id;
    });

    it.each(FAULTS)('%s before it is applied: 503, never repeated, the stock goes back at most once', async (_, fault) => {
      stack.fake.inject({ route, skip, times: 1, fault });
      expectServiceUnavailable(await cancel(orderId));
      expect(stack.fake.requestsTo(route)).toHaveLength(skip + 2); // the placement wrote this route once
      await expectConsistentAfterHealing();
    });

    it.each(FAULTS)('%s after it is applied (a lost answer): 503, and recovery finishes the give-back', async (_, fault) => {
      stack.fake.inject({ route, skip, times: 1, fault, afterApplying: true });
      const answer = await cancel(orderId);
      expectServiceUnavailable(answer);
      expect(answer.body.detail).toMatch(/may have been applied/);
      await expectConsistentAfterHealing();
      expect(stack.fake.orders.get(orderId)!.status).toBe('cancelled');
      expect(stack.fake.stockOf('b1')).toBe(STOCK - 1); // only the order placed while healing holds stock
    });
  });

  describe.each([
    { route: 'GET /internal/books/get', options: {} },
    // A stock seen too long ago is read again, under the book's lock.
    { route: 'GET /internal/books/quantity', options: { freshStockMs: 0 } },
  ])('placing an order, a fault on $route', ({ route, options }) => {
    beforeEach(() => start(options));

    it.each(FAULTS)('%s once is retried and the order goes through', async (_, fault) => {
      stack.fake.inject({ route, times: 1, fault });
      expect((await placeOrder(stack)).status).toBe(201);
      expect(stack.fake.stockOf('b1')).toBe(STOCK - 1);
      await expectConsistentAfterHealing();
    });

    it.each(FAULTS)('%s that persists: 503, and nothing is lost', async (_, fault) => {
      stack.fake.inject({ route, fault });
      expectServiceUnavailable(await placeOrder(stack));
      await expectConsistentAfterHealing();
    });
  });

  describe('cancelling an order, a fault on GET /internal/orders/get', () => {
    let orderId: string;
    beforeEach(async () => {
      await start();
      orderId = (await placeOrder(stack)).body.id;
    });

    it.each(FAULTS)('%s once is retried and the cancel goes through', async (_, fault) => {
      stack.fake.inject({ route: 'GET /internal/orders/get', times: 1, fault });
      expect((await cancel(orderId)).status).toBe(201);
      expect(stack.fake.stockOf('b1')).toBe(STOCK);
    });

    it.each(FAULTS)('%s that persists: 503, and the order keeps its stock', async (_, fault) => {
      stack.fake.inject({ route: 'GET /internal/orders/get', fault });
      expectServiceUnavailable(await cancel(orderId));
      expect(stack.fake.orders.get(orderId)!.status).toBe('confirmed');
      await expectConsistentAfterHealing();
    });
  });

  it('answers an order whose storage record changes shape (wrong JSON types) with 503, not 500', async () => {
    await start();
    stack.fake.inject({ route: 'GET /internal/books/get', fault: { kind: 'garbage', body: '{"id":"b1","price":"ten"}' } });
    expectServiceUnavailable(await placeOrder(stack));
  });
});
