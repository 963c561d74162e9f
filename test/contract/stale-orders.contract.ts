import type { StaleOrders } from '../../src/domain/ports/stale-orders.port.js';
import { aBook, anOrder } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const at = (iso: string) => new Date(iso);

/** What every StaleOrders adapter (recovery's queries) must do. */
export function staleOrdersContract(factory: BackendFactory): void {
  describe(`StaleOrders contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    beforeEach(async () => {
      backend = await factory.open([aBook({ stock: 10 })]);
    });
    afterEach(() => backend.close());

    it('lists pending orders older than the cutoff, oldest first, and released orders still holding stock', async () => {
      const old = anOrder({ now: at('2026-11-22T09:00:00Z') });
      const older = anOrder({ now: at('2026-11-22T08:00:00Z') });
      const recent = anOrder({ now: at('2026-11-22T10:30:00Z') });
      const cancelledHolding = anOrder({ now: at('2026-11-22T10:00:00Z') });
      const cancelledReturned = anOrder({ now: at('2026-11-22T10:00:00Z') });
      for (const order of [old, older, recent, cancelledHolding, cancelledReturned]) await backend.orders.add(order);
      for (const order of [cancelledHolding, cancelledReturned]) {
        await backend.inventory.take({ orderId: order.id, bookId: order.bookId, quantity: order.quantity });
        await backend.orders.update(order.id, (o) => o.moveTo('cancelled', at('2026-11-22T10:10:00Z')));
      }
      const { id, bookId, quantity } = cancelledReturned;
      await backend.inventory.giveBack({ orderId: id, bookId, quantity });

      const stale: StaleOrders = backend.staleOrders!;
      expect((await stale.abandonedPending(at('2026-11-22T10:00:00Z'), 10)).map((o) => o.id)).toEqual([older.id, old.id]);
      expect((await stale.abandonedPending(at('2026-11-22T10:00:00Z'), 1)).map((o) => o.id)).toEqual([older.id]);
      expect((await stale.releasedStillHolding(at('2026-11-22T10:00:00Z'), 10)).map((o) => o.id)).toEqual([cancelledHolding.id]);
      // A store that keeps no time of last change cannot narrow the window; it may only list more, never fewer.
      if (factory.keepsAllFields) expect(await stale.releasedStillHolding(at('2026-11-22T10:20:00Z'), 10)).toEqual([]);
    });
  });
}
