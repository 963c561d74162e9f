import * as E from 'fp-ts/lib/Either.js';
import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import type { Order } from '../../src/domain/order.js';
import { allowedNextStatuses, ORDER_STATUSES, type OrderStatus } from '../../src/domain/order-status.js';
import { aBook, anOrder, bookId, qty } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const LATER = new Date('2026-11-22T10:05:00.000Z');
const moved = (order: Order, to: OrderStatus, at = NOW) => (order.moveTo(to, at) as E.Right<Order>).right;

/** Every transition of the status table, as [from, to]. */
const TRANSITIONS = ORDER_STATUSES.flatMap((from) => allowedNextStatuses(from).map((to) => [from, to] as const));

/** A way from a placed order to each status: the statuses to move through after placing it confirmed. */
const PATH: Partial<Record<OrderStatus, readonly OrderStatus[]>> = {
  confirmed: [],
  processing: ['processing'],
  shipped: ['processing', 'shipped'],
};

interface Envelope {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  orderversion: number;
  data: { previousStatus: OrderStatus | null; order: Record<string, unknown> & { status: string; version: number } };
}
const envelope = (event: LoggedEvent): Envelope => JSON.parse(event.body) as Envelope;

/**
 * What every backend must do with events: the write that changes an order records its event (the outbox), and the
 * log serves them to the feed and the relay. Run it over each backend with its factory.
 */
export function orderEventsContract(factory: BackendFactory): void {
  describe(`Order events contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    beforeEach(async () => {
      backend = await factory.open([aBook({ id: bookId('b1'), stock: 500 })]);
    });
    afterEach(() => backend.close());

    const all = async (): Promise<LoggedEvent[]> => {
      const read = await backend.events.read(undefined, 500);
      if (read.kind !== 'page') throw new Error(`read: ${read.kind}`);
      return [...read.events];
    };
    const place = (order: Order) => backend.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected'));
    const change = async (order: Order, to: OrderStatus, at = LATER) => {
      const result = await backend.orders.update(order.id, (o) => o.moveTo(to, at));
      if (E.isLeft(result)) throw new Error(`${to}: ${result.left._tag}`);
      return result.right;
    };

    it('announces a placement once it settled, with the order as GET /orders/{id} answers it', async () => {
      const order = anOrder({ quantity: qty(2), now: NOW });
      await place(order);
      const events = await all();
      expect(events).toHaveLength(1);
      const event = envelope(events[0]!);
      const stored = (await backend.orders.findById(order.id))!;
      expect(event).toMatchObject({
        specversion: '1.0',
        id: `${order.id}.${stored.version}`,
        source: '/avakart/order-service',
        type: 'com.avakart.order.confirmed',
        subject: order.id,
        datacontenttype: 'application/json',
        orderversion: stored.version,
        data: { previousStatus: null, order: { id: order.id, bookId: 'b1', quantity: 2, status: 'confirmed', version: stored.version } },
      });
      expect(new Date(event.time).toISOString()).toBe(event.time);
      expect(events[0]).toMatchObject({ id: event.id, type: event.type, subject: order.id });
    });

    it('announces a refused placement as rejected, and takes nothing', async () => {
      const order = anOrder({ quantity: qty(900), now: NOW });
      await place(order);
      const [event, ...more] = (await all()).map(envelope);
      expect(more).toEqual([]);
      expect(event).toMatchObject({ type: 'com.avakart.order.rejected', data: { previousStatus: null, order: { status: 'rejected' } } });
    });

    it.each(TRANSITIONS)('records exactly one event for %s → %s', async (from, to) => {
      const order = anOrder({ quantity: qty(1), now: NOW });
      let current: Order;
      if (from === 'pending') {
        // A placement left pending (what a store without transactions keeps while it works): never announced.
        await backend.orders.place(order, () => {
          throw new Error('a pending order takes no stock');
        });
        current = order;
      } else {
        const placed = await place(order);
        current = (placed as E.Right<Order>).right;
        for (const next of PATH[from]!) current = await change(current, next, NOW);
      }
      const before = (await all()).length;
      const after = await change(current, to);
      const events = (await all()).slice(before).map(envelope);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: `com.avakart.order.${to}`,
        subject: order.id,
        orderversion: after.version,
        data: { previousStatus: from === 'pending' ? null : from, order: { status: to, version: after.version } },
      });
    });

    it('records nothing for a refused change, a no-op or a change the stock refuses', async () => {
      const placed = await place(anOrder({ quantity: qty(1), now: NOW }));
      const order = (placed as E.Right<Order>).right;
      const short = anOrder({ quantity: qty(900), now: NOW });
      await backend.orders.place(short, () => {
        throw new Error('a pending order takes no stock');
      });
      const before = await all();
      expect(E.isLeft(await backend.orders.update(order.id, (o) => o.moveTo('delivered', LATER)))).toBe(true);
      expect(E.isRight(await backend.orders.update(order.id, (o) => o.moveTo('confirmed', LATER)))).toBe(true);
      expect(E.isLeft(await backend.orders.update(short.id, (o) => o.moveTo('confirmed', LATER)))).toBe(true);
      expect(await all()).toEqual(before);
    });

    it('serves every event once, in order, a page at a time; each order in increasing version', async () => {
      const orders = await Promise.all([1, 2, 3].map(() => place(anOrder({ quantity: qty(1), now: NOW }))));
      for (const placed of orders) {
        const order = (placed as E.Right<Order>).right;
        await change(await change(order, 'processing'), 'shipped');
      }
      const expected = (await all()).map((event) => event.id);
      expect(expected).toHaveLength(9);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages += 1) {
        const read = await backend.events.read(cursor, 2);
        if (read.kind !== 'page') throw new Error(read.kind);
        if (read.events.length === 0) {
          expect(read.next).toBe(cursor);
          break;
        }
        seen.push(...read.events.map((event) => event.id));
        cursor = read.next;
      }
      expect(seen).toEqual(expected);
      const versions = new Map<string, number>();
      for (const event of (await all()).map(envelope)) {
        expect(event.orderversion).toBeGreaterThan(versions.get(event.subject) ?? 0);
        versions.set(event.subject, event.orderversion);
      }
    });

    it('refuses a position it did not hand out', async () => {
      for (const bad of ['', 'x', '-1', '1.5', '99999999999999999999999', '{"a":1}']) {
        expect((await backend.events.read(bad, 10)).kind).toBe('malformed');
      }
    });

    it('wakes a waiting reader when an event is committed', async () => {
      const start = await backend.events.read(undefined, 10);
      if (start.kind !== 'page') throw new Error(start.kind);
      const woken = backend.events.waitForEvents(start.next, 5_000).then(() => Date.now());
      await new Promise((resolve) => setTimeout(resolve, 50));
      const committedAt = Date.now();
      await place(anOrder({ quantity: qty(1), now: NOW }));
      expect((await woken) - committedAt).toBeLessThan(1_000);
      const read = await backend.events.read(start.next, 10);
      expect(read.kind === 'page' && read.events).toHaveLength(1);
    });

    it('ends a wait at its timeout or abort with nothing committed', async () => {
      const start = await backend.events.read(undefined, 10);
      if (start.kind !== 'page') throw new Error(start.kind);
      const began = Date.now();
      await backend.events.waitForEvents(start.next, 100);
      expect(Date.now() - began).toBeGreaterThanOrEqual(90);
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      await backend.events.waitForEvents(start.next, 10_000, abort.signal);
      expect(Date.now() - began).toBeLessThan(5_000);
    });

    it('rings the relay for what this process commits, even while it was reading, and times out otherwise', async () => {
      await backend.events.unpublished(10);
      const began = Date.now();
      await backend.events.waitForUnpublished(100);
      expect(Date.now() - began).toBeGreaterThanOrEqual(90); // nothing committed since the read

      const woken = backend.events.waitForUnpublished(5_000).then(() => Date.now());
      await new Promise((resolve) => setTimeout(resolve, 50));
      const committedAt = Date.now();
      await place(anOrder({ quantity: qty(1), now: NOW }));
      expect((await woken) - committedAt).toBeLessThan(1_000);

      // Committed after a read began and before the relay waits: the wait returns at once.
      await backend.events.unpublished(10);
      await place(anOrder({ quantity: qty(1), now: NOW }));
      const late = Date.now();
      await backend.events.waitForUnpublished(5_000);
      expect(Date.now() - late).toBeLessThan(1_000);

      const abort = new AbortController();
      setTimeout(() => abort.abort(), 50);
      await backend.events.unpublished(10);
      const aborting = Date.now();
      await backend.events.waitForUnpublished(10_000, abort.signal);
      expect(Date.now() - aborting).toBeLessThan(5_000);
    });

    it('hands the relay what is unpublished, in order, and counts the backlog', async () => {
      for (let i = 0; i < 3; i += 1) await place(anOrder({ quantity: qty(1), now: NOW }));
      const events = await all();
      expect((await backend.events.unpublished(10)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect((await backend.events.backlog()).waiting).toBe(3);
      await backend.events.markPublished([events[0]!, events[2]!], LATER);
      expect((await backend.events.unpublished(10)).map((e) => e.id)).toEqual([events[1]!.id]);
      const backlog = await backend.events.backlog();
      expect(backlog.waiting).toBe(1);
      expect(backlog.oldestAt).toBeInstanceOf(Date);
      expect(await backend.events.claimRelay()).toBe(true);
    });

    it('purges published events oldest first, never past an unpublished one; an older cursor has expired', async () => {
      for (let i = 0; i < 4; i += 1) await place(anOrder({ quantity: qty(1), now: NOW }));
      const events = await all();
      expect(await backend.events.unpublished(10)).toHaveLength(4);
      await backend.events.markPublished([events[0]!, events[1]!, events[3]!], NOW);
      // events[2] is unpublished: events[3] stays too, so the log keeps no hole.
      expect(await backend.events.purge(LATER, true)).toBe(2);
      expect((await all()).map((e) => e.id)).toEqual([events[2]!.id, events[3]!.id]);
      expect((await backend.events.read(events[0]!.position, 10)).kind).toBe('expired');
      const fromLast = await backend.events.read(events[1]!.position, 10);
      expect(fromLast.kind === 'page' && fromLast.events.map((e) => e.id)).toEqual([events[2]!.id, events[3]!.id]);
      expect(await backend.events.purge(NOW, true)).toBe(0);
    });

    it('purges by commit time when no relay publishes', async () => {
      await place(anOrder({ quantity: qty(1), now: NOW }));
      expect(await backend.events.purge(new Date(Date.now() + 60_000), false)).toBe(1);
      expect(await all()).toEqual([]);
    });
  });
}
