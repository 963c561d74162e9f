import * as E from 'fp-ts/lib/Either.js';
import type { CatalogBook, StockAdjustment } from '../../src/domain/book-catalog.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import type { CatalogPort, StockAdjustmentRequest } from '../../src/domain/ports/catalog.port.js';
import { aBook, anOrder, bookId, cents, qty } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: OrderStatus) => (order.moveTo(to, NOW) as E.Right<Order>).right;
const details = (title: string, price = 1500) => ({ title, author: 'An Author', price: cents(price) });
let made = 0;
const adjustment = (book: string, delta: number, at = new Date(NOW.getTime() + (made += 1))): StockAdjustmentRequest =>
  ({ id: `adj-${String(made).padStart(6, '0')}`, bookId: bookId(book), delta, reason: delta > 0 ? 'restock' : 'damaged in transit', at });

/**
 * What every backend that manages its catalog must do: books by id, details replaced under If-Match rules, stock
 * that moves only with orders and adjustments, atomically with both, and a ledger of every adjustment.
 */
export function catalogContract(factory: BackendFactory): void {
  describe(`Catalog contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    let books: CatalogPort;
    beforeEach(async () => {
      backend = await factory.open([aBook({ id: bookId('b1'), stock: 50 }), aBook({ id: bookId('b2'), stock: 0 }), aBook({ id: bookId('b3'), stock: 7 })]);
      books = backend.books!;
    });
    afterEach(() => backend.close());
    const stockOf = async (id = 'b1') => (await books.getBook(bookId(id)))!.stock;

    it('lists books by id, a page at a time, and finds one with its version', async () => {
      expect((await books.listBooks(2)).map((b) => b.id)).toEqual(['b1', 'b2']);
      expect((await books.listBooks(10, bookId('b2'))).map((b) => b.id)).toEqual(['b3']);
      expect(await books.getBook(bookId('b3'))).toMatchObject({ id: 'b3', title: 'A Book', price: 1010, stock: 7, version: 1 });
      expect(await books.getBook(bookId('nope'))).toBeUndefined();
    });

    it('creates a book with its stock, and replaces its details without touching the stock', async () => {
      const created = await books.putBook({ id: bookId('new-1'), details: details('Dune'), stock: 4 });
      expect(created).toMatchObject({ kind: 'created', book: { id: 'new-1', title: 'Dune', price: 1500, stock: 4, version: 1 } });
      const replaced = await books.putBook({ id: bookId('new-1'), details: details('Dune Messiah', 1999) });
      expect(replaced).toMatchObject({ kind: 'replaced', book: { title: 'Dune Messiah', price: 1999, stock: 4, version: 2 } });
      const same = await books.putBook({ id: bookId('new-1'), details: details('Dune Messiah', 1999), stock: 4 });
      expect(same).toMatchObject({ kind: 'replaced', book: { version: 2 } });
      expect(await books.getBook(bookId('new-1'))).toMatchObject({ title: 'Dune Messiah', price: 1999, stock: 4, version: 2 });
    });

    it('refuses to set an existing book stock, a stale version, a missing book under If-Match, and a creation without stock', async () => {
      expect(await books.putBook({ id: bookId('b1'), details: details('X'), stock: 49 })).toMatchObject({ kind: 'stock-not-settable', current: { stock: 50 } });
      expect(await books.putBook({ id: bookId('b1'), details: details('X'), expectedVersion: 7 })).toMatchObject({ kind: 'precondition-failed', current: { version: 1 } });
      expect(await books.putBook({ id: bookId('ghost'), details: details('X'), stock: 1, mustExist: true })).toEqual({ kind: 'precondition-failed' });
      expect(await books.putBook({ id: bookId('ghost'), details: details('X'), stock: 1, expectedVersion: 1 })).toEqual({ kind: 'precondition-failed' });
      expect(await books.putBook({ id: bookId('ghost'), details: details('X') })).toEqual({ kind: 'stock-required' });
      expect(await books.getBook(bookId('ghost'))).toBeUndefined();
      expect(await books.getBook(bookId('b1'))).toMatchObject({ title: 'A Book', stock: 50, version: 1 });
    });

    it('prices orders placed after a price change at the new price; placed orders keep theirs', async () => {
      const before = anOrder({ bookId: bookId('b1'), quantity: qty(1), unitPrice: cents(1010), now: NOW });
      await backend.orders.place(moved(before, 'confirmed'), () => moved(before, 'rejected'));
      await books.putBook({ id: bookId('b1'), details: details('A Book', 2000) });
      expect((await backend.inventory.findBook(bookId('b1')))!.price).toBe(2000);
      expect((await backend.orders.findById(before.id))!.toSnapshot().unitPrice).toBe(1010);
    });

    it('adjusts the stock both ways, refusing below zero and changing nothing then', async () => {
      const restock = await books.adjustStock(adjustment('b1', 10));
      expect(E.isRight(restock) && restock.right).toMatchObject({ bookId: 'b1', delta: 10, stock: 60, reason: 'restock' });
      const writeOff = await books.adjustStock(adjustment('b1', -60));
      expect(E.isRight(writeOff) && writeOff.right.stock).toBe(0);
      const below = await books.adjustStock(adjustment('b1', -1));
      expect(E.isLeft(below) && below.left).toMatchObject({ _tag: 'InsufficientStock', requested: 1, available: 0 });
      const unknown = await books.adjustStock(adjustment('nope', 1));
      expect(E.isLeft(unknown) && unknown.left._tag).toBe('BookNotFound');
      expect(await stockOf()).toBe(0);
      expect((await books.listAdjustments(bookId('b1'), 10))!.map((a) => a.delta)).toEqual([-60, 10]);
    });

    it('keeps a ledger per book, newest first, a page at a time', async () => {
      const made: StockAdjustment[] = [];
      for (const delta of [1, 2, 3, 4, 5]) made.push((await books.adjustStock(adjustment('b3', delta)) as E.Right<StockAdjustment>).right);
      await books.adjustStock(adjustment('b1', 9));
      const first = (await books.listAdjustments(bookId('b3'), 2))!;
      expect(first.map((a) => a.delta)).toEqual([5, 4]);
      const rest = (await books.listAdjustments(bookId('b3'), 10, { at: first[1]!.at, id: first[1]!.id }))!;
      expect(rest.map((a) => a.delta)).toEqual([3, 2, 1]);
      expect(rest[2]).toEqual(made[0]);
      expect(await books.listAdjustments(bookId('nope'), 10)).toBeUndefined();
      expect(await books.listAdjustments(bookId('b2'), 10)).toEqual([]);
    });

    it('announces each adjustment in its own write', async () => {
      const done = (await books.adjustStock(adjustment('b1', 3)) as E.Right<StockAdjustment>).right;
      await books.adjustStock(adjustment('b1', -1000));
      const read = await backend.events.read(undefined, 100);
      const events = read.kind === 'page' ? read.events.map((e) => JSON.parse(e.body)) : [];
      expect(events).toEqual([expect.objectContaining({
        id: done.id,
        type: 'com.avakart.book.stock-adjusted',
        subject: 'b1',
        data: { bookId: 'b1', delta: 3, stock: 53, reason: 'restock', adjustmentId: done.id },
      })]);
      expect(events[0].orderversion).toBeUndefined();
    });

    it('is atomic with racing orders: 100 orders and 20 restocks end at initial + restocks − confirmed', async () => {
      const orders = Array.from({ length: 100 }, () => anOrder({ bookId: bookId('b3'), quantity: qty(1), now: NOW }));
      const placing = orders.map((o) => backend.orders.place(moved(o, 'confirmed'), () => moved(o, 'rejected')));
      const restocking = Array.from({ length: 20 }, () => books.adjustStock(adjustment('b3', 3)));
      const placed = await Promise.all(placing);
      const restocked = await Promise.all(restocking);
      expect(restocked.every(E.isRight)).toBe(true);
      const confirmed = placed.filter(E.isRight).length;
      expect(confirmed).toBeGreaterThanOrEqual(7);
      expect(await stockOf('b3')).toBe(7 + 60 - confirmed);
      const ledger = (await books.listAdjustments(bookId('b3'), 200))!;
      expect(ledger.reduce((sum, a) => sum + a.delta, 0)).toBe(60);
    });

    it('never lets an adjustment and orders both take the last copies', async () => {
      const orders = Array.from({ length: 10 }, () => anOrder({ bookId: bookId('b3'), quantity: qty(1), now: NOW }));
      const placing = orders.map((o) => backend.orders.place(moved(o, 'confirmed'), () => moved(o, 'rejected')));
      const writeOff = books.adjustStock(adjustment('b3', -5));
      const confirmed = (await Promise.all(placing)).filter(E.isRight).length;
      const wrote = E.isRight(await writeOff) ? 5 : 0;
      expect(confirmed + wrote).toBeLessThanOrEqual(7);
      expect(await stockOf('b3')).toBe(7 - confirmed - wrote);
    });

    it('leaves a book created by the seed alone when seeded again', async () => {
      await books.adjustStock(adjustment('b1', 5));
      await backend.catalog?.seed([aBook({ id: bookId('b1'), stock: 999 })]);
      const book: CatalogBook | undefined = await books.getBook(bookId('b1'));
      expect(book?.stock).toBe(55);
    });
  });
}
