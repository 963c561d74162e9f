import * as E from 'fp-ts/lib/Either.js';
import type { StockHold } from '../../src/domain/ports/inventory.port.js';
import { aBook, bookId, cents, orderId, qty } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const hold = (order: string, quantity = 1, book = 'b1'): StockHold => ({
  orderId: orderId(order),
  bookId: bookId(book),
  quantity: qty(quantity),
});

/** What every InventoryPort adapter must do. Run it over each adapter with its factory. */
export function inventoryContract(factory: BackendFactory): void {
  describe(`InventoryPort contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    const open = async (stock: number) => {
      backend = await factory.open([aBook({ id: bookId('b1'), price: cents(1010), stock })]);
      return backend;
    };
    const stockOf = async () => (await backend.inventory.findBook(bookId('b1')))!.stock;
    afterEach(() => backend?.close());

    it('finds a book with its exact price and stock, and nothing for an unknown id', async () => {
      await open(7);
      expect(await backend.inventory.findBook(bookId('b1'))).toMatchObject({ id: 'b1', price: 1010, stock: 7 });
      expect(await backend.inventory.findBook(bookId('nope'))).toBeUndefined();
    });

    it('takes stock, all or nothing', async () => {
      await open(5);
      expect(E.isRight(await backend.inventory.take(hold('o1', 3)))).toBe(true);
      expect(await stockOf()).toBe(2);
      const refused = await backend.inventory.take(hold('o2', 3));
      expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: 'InsufficientStock', requested: 3, available: 2 });
      expect(await stockOf()).toBe(2);
    });

    it('refuses to take stock of an unknown book', async () => {
      await open(5);
      const refused = await backend.inventory.take(hold('o1', 1, 'ghost'));
      expect(E.isLeft(refused) && refused.left._tag).toBe('BookNotFound');
    });

    it('takes once per order however often it is asked', async () => {
      await open(5);
      await backend.inventory.take(hold('o1', 2));
      await backend.inventory.take(hold('o1', 2));
      expect(await stockOf()).toBe(3);
    });

    it('gives back exactly once, and only what was taken', async () => {
      await open(5);
      await backend.inventory.giveBack(hold('never-taken', 2));
      expect(await stockOf()).toBe(5);
      await backend.inventory.take(hold('o1', 2));
      await Promise.all([backend.inventory.giveBack(hold('o1', 2)), backend.inventory.giveBack(hold('o1', 2))]);
      await backend.inventory.giveBack(hold('o1', 2));
      expect(await stockOf()).toBe(5);
    });

    it('never oversells under concurrent takes: N orders against stock K give min(N, K)', async () => {
      await open(10);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => backend.inventory.take(hold(`c${i}`))));
      expect(results.filter(E.isRight)).toHaveLength(10);
      expect(await stockOf()).toBe(0);
    });
  });
}
