import * as E from 'fp-ts/lib/Either.js';
import type { Order } from '../../src/domain/order.js';
import type { StaleOrders } from '../../src/domain/ports/stale-orders.port.js';
import { aBook, anOrder, bookId } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const at = (iso: string) => new Date(iso);
const confirmed = (order: Order, now: Date) => (order.moveTo('confirmed', now) as E.Right<Order>).right;

/** What every StaleOrders adapter (recovery's queries) must do. */
export function staleOrdersContract(factory: BackendFactory): void {
  describe(`StaleOrders contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    beforeEach(async () => {
      backend = await factory.open([aBook({ stock: 10 })]);
    });
    afterEach(() => backend.close());
    const refuse = () => {
      throw new Error('the stock is there');
    };

    it('lists pending orders older than the cutoff, oldest first, and released orders still holding stock', async () => {
      const old = anOrder({ now: at('2026-11-22T09:00:00Z') });
      const older = anOrder({ now: at('2026-11-22T08:00:00Z') });
      const recent = anOrder({ now: at('2026-11-22T10:30:00Z') });
      for (const order of [old, older, recent]) await backend.orders.place(order, refuse);
      const holding = confirmed(anOrder({ now: at('2026-11-22T10:00:00Z') }), at('2026-11-22T10:00:00Z'));
      const released = confirmed(anOrder({ now: at('2026-11-22T10:00:00Z') }), at('2026-11-22T10:00:00Z'));
      for (const order of [holding, released]) await backend.orders.place(order, refuse);
      await backend.interruptRelease(holding.id, at('2026-11-22T10:10:00Z'));
      await backend.orders.update(released.id, (o) => o.moveTo('cancelled', at('2026-11-22T10:10:00Z')));

      const stale: StaleOrders = backend.staleOrders!;
      expect((await stale.abandonedPending(at('2026-11-22T10:00:00Z'), 10)).map((o) => o.id)).toEqual([older.id, old.id]);
      expect((await stale.abandonedPending(at('2026-11-22T10:00:00Z'), 1)).map((o) => o.id)).toEqual([older.id]);
      expect((await stale.releasedStillHolding(at('2026-11-22T10:00:00Z'), 10)).map((o) => o.id)).toEqual([holding.id]);
      // A store that keeps no time of last change cannot narrow the window; it may only list more, never fewer.
      if (factory.keepsAllFields) expect(await stale.releasedStillHolding(at('2026-11-22T10:20:00Z'), 10)).toEqual([]);
    });

    it('gives back the stock of an interrupted release when the order is updated again, once', async () => {
      const order = confirmed(anOrder({ quantity: 3 as never }), at('2026-11-22T10:00:00Z'));
      await backend.orders.place(order, refuse);
      await backend.interruptRelease(order.id, at('2026-11-22T10:10:00Z'));
      expect((await backend.inventory.findBook(bookId('b1')))!.stock).toBe(7);
      await Promise.all([1, 2, 3].map(() => backend.orders.update(order.id, (o) => E.right(o))));
      expect((await backend.inventory.findBook(bookId('b1')))!.stock).toBe(10);
      expect(await backend.staleOrders!.releasedStillHolding(at('2026-11-22T00:00:00Z'), 10)).toEqual([]);
      expect((await backend.orders.findById(order.id))!.status).toBe('cancelled');
    });
  });
}
