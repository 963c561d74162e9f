import * as E from 'fp-ts/lib/Either.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import { aBook, anOrder, bookId, qty } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = { confirmed: 'processing', processing: 'shipped', shipped: 'delivered' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Many changes of one order racing on two replicas: whatever order the row lock's waiters wake in, the feed serves
 * each order's events in increasing version (the changes queue on the order before they take an xid).
 */
describe('the PostgreSQL feed under changes racing on one order', () => {
  let database: TestDatabase;
  let replicas: StorageBackend[] = [];
  const open = () => openPostgresBackend({ url: database.url, poolMax: 6, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });

  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = await Promise.all([open(), open()]);
    await replicas[0]!.catalog!.seed([aBook({ id: bookId('b1'), stock: 1000 })]);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await database.drop();
  });

  it('serves each order in increasing version when three or more changes wait on it at once', async () => {
    const orders: Order[] = [];
    for (let i = 0; i < 20; i += 1) {
      const order = anOrder({ bookId: bookId('b1'), quantity: qty(1), now: NOW });
      const placed = await replicas[0]!.orders.place((order.moveTo('confirmed', NOW) as E.Right<Order>).right, () => order);
      orders.push((placed as E.Right<Order>).right);
    }
    // One order at a time: every connection of both replicas changing it at once, each moving it one step on from
    // whatever it is then, so that many transactions wait on its row lock together.
    for (const order of orders) {
      await Promise.all(Array.from({ length: 12 }, (_, i) =>
        replicas[i % 2]!.orders.update(order.id, (o) => (NEXT[o.status] ? o.moveTo(NEXT[o.status]!, NOW) : E.right(o)))));
    }
    // Everything committed; wait out the visibility gate, then read the whole feed.
    let events: Array<{ subject: string; orderversion: number }> = [];
    for (let tries = 0; tries < 100 && events.length < 80; tries += 1, await sleep(20)) {
      const read = await replicas[1]!.events.read(undefined, 500);
      events = read.kind === 'page' ? read.events.map((e) => JSON.parse(e.body)) : [];
    }
    expect(events).toHaveLength(20 * 4);
    const last = new Map<string, number>();
    for (const event of events) {
      expect(event.orderversion).toBe((last.get(event.subject) ?? 1) + 1);
      last.set(event.subject, event.orderversion);
    }
  });
});
