import type { Fault } from '../fakes/fake-storage-service.js';
import {
  confirmedWithoutStock, expectServiceUnavailable, placeOrder, placeOrderEventually, startStack, unitsHeld, type Stack,
} from './storage-service-harness.js';

const TIMEOUT_MS = 150;
const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ['a 500', { kind: 'status', status: 500 }],
  ['a reset connection', { kind: 'reset' }],
  ['a garbage body', { kind: 'garbage' }],
  ['a timeout', { kind: 'delay', ms: TIMEOUT_MS * 2 }],
];

/** Every write of placing an order, in order; update-status carries three of them. */
const WRITES = [
  { step: 'recording the order', route: 'POST /internal/orders/add', skip: 0 },
  { step: 'marking the order as taking stock', route: 'PUT /internal/orders/update-status', skip: 0 },
  { step: 'writing the stock', route: 'PUT /internal/books/update-quantity', skip: 0 },
  { step: 'marking the stock as held', route: 'PUT /internal/orders/update-status', skip: 1 },
  { step: 'confirming the order', route: 'PUT /internal/orders/update-status', skip: 2 },
];

const READS = ['GET /internal/books/get', 'GET /internal/orders/get', 'GET /internal/books/quantity'];

const STOCK = 5;

describe('storage-service backend under injected faults', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack({ timeoutMs: TIMEOUT_MS });
    stack.fake.addBook({ id: 'b1', quantity: STOCK });
  });
  afterEach(() => stack.stop());

  /** After the fault: the storage heals, the next order settles the book, and every unit is accounted for. */
  async function expectConsistentAfterHealing(): Promise<void> {
    await stack.fake.idle();
    stack.fake.clearFaults();
    expect((await placeOrderEventually(stack)).status).toBe(201);
    expect(STOCK - stack.fake.stockOf('b1')!).toBe(unitsHeld(stack.fake, 'b1'));
    expect(confirmedWithoutStock(stack.fake)).toEqual([]);
  }

  describe.each(WRITES)('a fault while $step', ({ route, skip }) => {
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

  describe.each(READS)('a fault on %s', (route) => {
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

  it('answers an order whose storage record changes shape (wrong JSON types) with 503, not 500', async () => {
    stack.fake.inject({ route: 'GET /internal/books/get', fault: { kind: 'garbage', body: '{"id":"b1","price":"ten"}' } });
    expectServiceUnavailable(await placeOrder(stack));
  });
});
