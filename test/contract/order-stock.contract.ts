import * as E from 'fp-ts/lib/Either.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import { aBook, anOrder, bookId, cents, qty, userId } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: OrderStatus) => (order.moveTo(to, NOW) as E.Right<Order>).right;
const newOrder = (quantity: number, book = 'b1', user = 'u1') =>
  anOrder({ quantity: qty(quantity), bookId: bookId(book), userId: userId(user), now: NOW });

/**
 * What every backend must do with stock: the catalog's books, and stock that follows the status of the orders that
 * hold it, in the same atomic write as the order. Run it over each backend with its factory.
 */
export function orderStockContract(factory: BackendFactory): void {
  describe(`Order stock contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    const open = async (stock: number) => {
      backend = await factory.open([aBook({ id: bookId('b1'), price: cents(1010), stock })]);
      return backend;
    };
    const stockOf = async () => (await backend.inventory.findBook(bookId('b1')))!.stock;
    /** Places `order` confirmed, or rejected when its stock is not there. */
    const place = (order: Order) => backend.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected'));
    const statusOf = async (order: Order) => (await backend.orders.findById(order.id))?.status;
    afterEach(() => backend?.close());

    it('finds a book with its exact price and stock, and nothing for an unknown id', async () => {
      await open(7);
      expect(await backend.inventory.findBook(bookId('b1'))).toMatchObject({ id: 'b1', price: 1010, stock: 7 });
      expect(await backend.inventory.findBook(bookId('nope'))).toBeUndefined();
    });

    it('stores a placed order confirmed with its stock taken, in one write', async () => {
      await open(5);
      const order = newOrder(3);
      const placed = await place(order);
      expect(E.isRight(placed) && placed.right.status).toBe('confirmed');
      expect(await statusOf(order)).toBe('confirmed');
      expect(await stockOf()).toBe(2);
    });

    it('stores the rejection instead, taking nothing, when the stock is not there', async () => {
      await open(2);
      const order = newOrder(3);
      const placed = await place(order);
      expect(E.isLeft(placed) && placed.left).toMatchObject({ _tag: 'InsufficientStock', requested: 3, available: 2 });
      expect(await statusOf(order)).toBe('rejected');
      expect(await stockOf()).toBe(2);
    });

    it('stores the rejection of an order for an unknown book', async () => {
      await open(5);
      const order = newOrder(1, 'ghost');
      const placed = await place(order);
      expect(E.isLeft(placed) && placed.left._tag).toBe('BookNotFound');
      expect(await statusOf(order)).toBe('rejected');
    });

    it('never oversells under concurrent placements: N orders against stock K confirm min(N, K)', async () => {
      await open(10);
      const orders = Array.from({ length: 50 }, (_, i) => newOrder(1, 'b1', `c${i % 7}`));
      const results = await Promise.all(orders.map(place));
      expect(results.filter(E.isRight)).toHaveLength(10);
      expect(await stockOf()).toBe(0);
      const statuses = await Promise.all(orders.map(statusOf));
      expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(10);
      expect(statuses.filter((s) => s === 'rejected')).toHaveLength(40);
    });

    it('lets a later, smaller order take what a larger one could not', async () => {
      await open(3);
      const [big, small] = [newOrder(5), newOrder(2)];
      const [forBig, forSmall] = await Promise.all([place(big), place(small)]);
      expect(E.isLeft(forBig)).toBe(true);
      expect(E.isRight(forSmall)).toBe(true);
      expect(await stockOf()).toBe(1);
    });

    it('gives the stock back with a cancel, exactly once however often and concurrently it is asked', async () => {
      await open(5);
      const order = newOrder(2);
      await place(order);
      const cancels = await Promise.all([1, 2, 3].map(() => backend.orders.update(order.id, (o) => o.moveTo('cancelled', NOW))));
      expect(cancels.every(E.isRight)).toBe(true);
      await backend.orders.update(order.id, (o) => o.moveTo('cancelled', NOW));
      expect(await stockOf()).toBe(5);
      expect(await statusOf(order)).toBe('cancelled');
    });

    it('keeps the stock through processing and shipping, and gives it back on a cancel while processing', async () => {
      await open(5);
      const order = newOrder(2);
      await place(order);
      await backend.orders.update(order.id, (o) => o.moveTo('processing', NOW));
      expect(await stockOf()).toBe(3);
      await backend.orders.update(order.id, (o) => o.moveTo('cancelled', NOW));
      expect(await stockOf()).toBe(5);
    });

    it('takes the stock when a pending order is confirmed, and refuses the move when it is not there', async () => {
      await open(3);
      const [first, second] = [newOrder(2), newOrder(2)];
      const refuse = () => {
        throw new Error('a pending order takes no stock');
      };
      await backend.orders.place(first, refuse);
      await backend.orders.place(second, refuse);
      expect(await stockOf()).toBe(3);
      const ok = await backend.orders.update(first.id, (o) => o.moveTo('confirmed', NOW));
      expect(E.isRight(ok) && ok.right.status).toBe('confirmed');
      const refused = await backend.orders.update(second.id, (o) => o.moveTo('confirmed', NOW));
      expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: 'InsufficientStock', requested: 2, available: 1 });
      expect(await statusOf(second)).toBe('pending');
      expect(await stockOf()).toBe(1);
    });

    it('gives back nothing when an order that never held stock is released', async () => {
      await open(4);
      const pending = newOrder(2);
      await backend.orders.place(pending, () => {
        throw new Error('a pending order takes no stock');
      });
      await backend.orders.update(pending.id, (o) => o.moveTo('expired', NOW));
      const rejected = newOrder(9);
      await place(rejected);
      await backend.orders.update(rejected.id, (o) => o.moveTo('rejected', NOW));
      expect(await stockOf()).toBe(4);
    });

    it('keeps stock = seeded − held through concurrent placements and cancels', async () => {
      await open(20);
      const orders = Array.from({ length: 30 }, (_, i) => newOrder(1 + (i % 3), 'b1', `r${i % 5}`));
      await Promise.all(orders.map(async (order, i) => {
        const placed = await place(order);
        if (E.isRight(placed) && i % 3 === 0) await backend.orders.update(order.id, (o) => o.moveTo('cancelled', NOW));
      }));
      const stored = await Promise.all(orders.map((o) => backend.orders.findById(o.id)));
      const held = stored.filter((o) => o!.status === 'confirmed').reduce((sum, o) => sum + o!.quantity, 0);
      expect(held).toBeGreaterThan(0);
      expect(await stockOf()).toBe(20 - held);
    });
  });
}
