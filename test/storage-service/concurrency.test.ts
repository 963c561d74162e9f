import { request } from '../support/test-service.js';
import { confirmedWithoutStock, startStack, unitsHeld, type Stack } from './storage-service-harness.js';

const placeMany = (stack: Stack, count: number, bookId = 'b1') =>
  Promise.all(Array.from({ length: count }, (_, i) =>
    request(stack.service.url, 'POST', '/orders/create', { book_id: bookId, user_id: `buyer-${i}`, quantity: 1 })));

describe.each([
  { cap: 4, label: 'STORAGE_MAX_CONCURRENCY=4' },
  { cap: 1, label: 'STORAGE_MAX_CONCURRENCY=1' },
])('storage-service backend under concurrent orders, $label', ({ cap }) => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack({ maxConcurrency: cap, timeoutMs: 2000 });
  });
  afterEach(() => stack.stop());

  it('sells exactly the stock: 50 concurrent orders against stock 10 give 10 successes and stock 0', async () => {
    stack.fake.addBook({ id: 'b1', quantity: 10 });
    const answers = await placeMany(stack, 50);

    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status !== 201).map((a) => a.status)).toEqual(Array(40).fill(409));
    expect(stack.fake.stockOf('b1')).toBe(0);
    expect(unitsHeld(stack.fake, 'b1')).toBe(10);
    expect(confirmedWithoutStock(stack.fake)).toEqual([]);
    expect(stack.fake.peakInFlight).toBeLessThanOrEqual(cap);
  });

  it('keeps books apart: concurrent orders on two books each sell exactly their own stock', async () => {
    stack.fake.addBook({ id: 'b1', quantity: 3 });
    stack.fake.addBook({ id: 'b2', quantity: 5 });
    const answers = await Promise.all([placeMany(stack, 10, 'b1'), placeMany(stack, 10, 'b2')]);
    expect(answers.map((forBook) => forBook.filter((a) => a.status === 201).length)).toEqual([3, 5]);
    expect([stack.fake.stockOf('b1'), stack.fake.stockOf('b2')]).toEqual([0, 0]);
    expect([unitsHeld(stack.fake, 'b1'), unitsHeld(stack.fake, 'b2')]).toEqual([3, 5]);
  });
});
