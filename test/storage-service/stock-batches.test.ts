import { setTimeout as sleep } from 'node:timers/promises';
import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { planBatch } from '../../src/adapters/outbound/storage-service/stock-batch-plan.js';
import { StockSightings } from '../../src/adapters/outbound/storage-service/stock-sightings.js';
import { openStorageServiceBackend } from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { anOrder, bookId, qty } from '../support/order-mother.js';
import { tempDir } from '../support/temp-dir.js';
import { testClientOptions, unitsHeld } from './storage-service-harness.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: 'confirmed' | 'rejected' | 'cancelled') => (order.moveTo(to, NOW) as E.Right<Order>).right;
const B1 = bookId('b1');

describe('planning a batch of stock changes', () => {
  it('decides greedily in arrival order: a take that does not fit is refused, a later smaller one still fits', () => {
    expect(planBatch(3, [-2, -2, -1, +4, -3])).toEqual({
      size: 5, fits: [true, false, true, true, true], available: [3, 1, 1, 0, 4], stockAfter: 1,
    });
  });

  it('cuts a batch whose changes cancel out before its last moving change, so its stock write moves the stock', () => {
    expect(planBatch(5, [-1, +1])).toMatchObject({ size: 1, stockAfter: 4 });
    expect(planBatch(5, [-2, +1, +1])).toMatchObject({ size: 2, stockAfter: 4 });
    expect(planBatch(0, [-1, +2, -2, -1])).toMatchObject({ size: 2, fits: [false, true], stockAfter: 2 });
  });

  it('needs no stock write when nothing moves', () => {
    expect(planBatch(0, [-1, 0])).toEqual({ size: 2, fits: [false, true], available: [0, 0], stockAfter: 0 });
  });
});

describe('stock sightings', () => {
  let now = 0;
  const sightings = () => new StockSightings(1000, () => now);
  beforeEach(() => {
    now = 10_000;
  });

  it('reuses a read for a second, and not once it is older', () => {
    const s = sightings();
    s.saw(s.glance(B1), 7);
    now += 999;
    expect(s.fresh(B1)).toBe(7);
    now += 1;
    expect(s.fresh(B1)).toBeUndefined();
  });

  it('never reuses a read issued before or during a stock write of this process', () => {
    const s = sightings();
    const before = s.glance(B1);
    s.writing(B1);
    const during = s.glance(B1);
    s.written(B1, 4);
    s.saw(before, 9);
    s.saw(during, 9);
    expect(s.fresh(B1)).toBe(4); // the write's own echo
    s.writing(B1);
    s.written(B1, undefined); // an outcome not known: nothing stands for the stock
    expect(s.fresh(B1)).toBeUndefined();
    s.saw(s.glance(B1), 3);
    expect(s.fresh(B1)).toBe(3);
  });

  it('forgets books idle for longer than a sighting lasts, once the books it knows have doubled', () => {
    const s = sightings();
    const size = () => (s as unknown as { books: Map<string, unknown> }).books.size;
    for (let i = 0; i < 300; i += 1) s.saw(s.glance(bookId(`old${i}`)), i);
    now += 1000;
    for (let i = 0; i < 300; i += 1) s.saw(s.glance(bookId(`new${i}`)), i);
    expect(size()).toBe(300);
    expect([s.fresh(bookId('old0')), s.fresh(bookId('new0'))]).toEqual([undefined, 0]);
  });
});

describe('storage-service batches of one book', () => {
  let fake: FakeStorageService;
  let backend: StorageBackend;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    fake = await FakeStorageService.start();
    fake.addBook({ id: 'b1', quantity: 5 });
    dir = tempDir('order-outbox-');
    backend = openStorageServiceBackend(testClientOptions(fake.url, { maxConcurrency: 1, dataDir: dir.path }));
  });
  afterEach(async () => {
    await backend.close();
    await fake.close();
    dir.remove();
  });

  const place = (order: Order) => backend.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected'));
  const stockWrites = () => fake.requestsTo('PUT /internal/books/update-quantity').map((r) => JSON.parse(r.body).quantity);
  /** Places `first` with its record slow to write, so that what is asked in the meantime queues into one batch. */
  const slowly = async (first: Order): Promise<[placed: Promise<unknown>]> => {
    fake.inject({ route: 'POST /internal/orders/add', times: 1, fault: { kind: 'delay', ms: 100 } });
    const placed = place(first);
    await sleep(20);
    return [placed];
  };

  it('splits a take and a give-back that cancel out, so that each stock write can still be judged', async () => {
    const held = anOrder({ quantity: qty(1) });
    await place(held);
    const [first] = await slowly(anOrder({ quantity: qty(2) }));
    const taker = anOrder({ quantity: qty(1) });
    const [, taken, cancelled] = await Promise.all([first, place(taker), backend.orders.update(held.id, (o) => o.moveTo('cancelled', NOW))]);

    expect([E.isRight(taken), E.isRight(cancelled)]).toEqual([true, true]);
    expect(stockWrites()).toEqual([4, 2, 1, 2]);
    expect([fake.orders.get(taker.id)!.status, fake.orders.get(held.id)!.status]).toEqual(['confirmed', 'cancelled']);
    expect(unitsHeld(fake, 'b1')).toBe(3);
  });

  it('writes no stock for a batch one of whose marks failed: its orders fail, their marks settle as not taken', async () => {
    const [first] = await slowly(anOrder({ quantity: qty(1) }));
    fake.inject({ route: 'POST /internal/orders/add', skip: 1, times: 1, fault: { kind: 'status', status: 500 } });
    const batch = [anOrder({ quantity: qty(1) }), anOrder({ quantity: qty(1) }), anOrder({ quantity: qty(1) })];
    const outcomes = await Promise.allSettled([first, ...batch.map(place)]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    outcomes.slice(1).forEach((o) => expect((o as PromiseRejectedResult).reason).toBeInstanceOf(DependencyFailure));
    expect(stockWrites()).toEqual([4]);
    expect(batch.map((o) => fake.orders.get(o.id)?.status)).toEqual(['pending+taking@4', undefined, 'pending+taking@4']);

    expect(E.isRight(await place(anOrder({ quantity: qty(1) })))).toBe(true);
    expect(batch.map((o) => fake.orders.get(o.id)?.status)).toEqual(['pending', undefined, 'pending']);
    expect(stockWrites()).toEqual([4, 3]);
    expect(unitsHeld(fake, 'b1')).toBe(2);
  });
});
