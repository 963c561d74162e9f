import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { openStorageServiceBackend } from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import type { StockAdjustment } from '../../src/domain/book-catalog.js';
import type { Order } from '../../src/domain/order.js';
import type { StockAdjustmentRequest } from '../../src/domain/ports/catalog.port.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { anOrder, bookId, cents, qty } from '../support/order-mother.js';
import { tempDir } from '../support/temp-dir.js';
import { request } from '../support/test-service.js';
import { startStack, testClientOptions } from './storage-service-harness.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const ROUTE = 'PUT /internal/books/update-quantity';
let made = 0;
const restock = (delta: number): StockAdjustmentRequest =>
  ({ id: `adj-${String((made += 1)).padStart(6, '0')}`, bookId: bookId('b1'), delta, reason: 'restock', at: new Date(NOW.getTime() + made) });
const confirmed = (order: Order) => (order.moveTo('confirmed', NOW) as E.Right<Order>).right;
const rejected = (order: Order) => (order.moveTo('rejected', NOW) as E.Right<Order>).right;

/** The catalog over the storage service: the adjustment's intent, by the outcome of its stock write. */
describe('storage-service catalog: stock adjustments and their outcome', () => {
  let fake: FakeStorageService;
  let dir: ReturnType<typeof tempDir>;
  let backend: StorageBackend;
  const open = () => openStorageServiceBackend(testClientOptions(fake.url, { dataDir: dir.path }));
  const ledger = async (b: StorageBackend = backend) => (await b.books!.listAdjustments(bookId('b1'), 100))!.map((a) => a.delta);
  const adjustmentRows = () => {
    const db = new Database(join(dir.path, 'storage-service-outbox.sqlite3'), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM stock_adjustments').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const events = async (b: StorageBackend = backend) => {
    const read = await b.events.read(undefined, 100);
    return read.kind === 'page' ? read.events.filter((e) => e.type === 'com.avakart.book.stock-adjusted').map((e) => e.id) : [];
  };

  beforeEach(async () => {
    fake = await FakeStorageService.start();
    fake.addBook({ id: 'b1', title: 'T', author: 'A', price: 10, quantity: 10, seller_id: 'seller-7', description: 'kept' });
    dir = tempDir('order-outbox-');
    backend = open();
  });
  afterEach(async () => {
    await backend.close();
    await fake.close();
    dir.remove();
  });

  it('replaces details with books/update, keeping the quantity and the fields it does not own', async () => {
    const put = await backend.books!.putBook({ id: bookId('b1'), details: { title: 'New', author: 'B', price: cents(1250) } });
    expect(put).toMatchObject({ kind: 'replaced', book: { title: 'New', price: 1250, stock: 10, version: 2 } });
    expect(fake.books.get('b1')).toEqual({ id: 'b1', title: 'New', author: 'B', price: 12.5, quantity: 10, seller_id: 'seller-7', description: 'kept' });
  });

  it('a write that certainly never left: 503, nothing applied, its intent dropped', async () => {
    await backend.inventory.findBook(bookId('b1')); // the stock is seen fresh: the adjustment needs no read
    await fake.down();
    const failed = await backend.books!.adjustStock(restock(5)).catch((error: unknown) => error);
    await fake.up();
    expect(failed).toBeInstanceOf(DependencyFailure);
    expect((failed as DependencyFailure).options.outcomeUnknown).toBeFalsy();
    expect(adjustmentRows()).toBe(0);
    expect(fake.stockOf('b1')).toBe(10);
    expect(await ledger()).toEqual([]);
    expect(await events()).toEqual([]);
  });

  it.each([
    ['applied', true, 15, [5]],
    ['lost before it applied', false, 10, []],
  ] as const)('a lost answer (%s): 503 outcome unknown, pending until the next write reads the stock', async (_, afterApplying, stock, deltas) => {
    fake.inject({ route: ROUTE, times: 1, fault: { kind: 'reset' }, afterApplying });
    const lost = restock(5);
    const failed = await backend.books!.adjustStock(lost).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DependencyFailure);
    expect((failed as DependencyFailure).options.outcomeUnknown).toBe(true);
    expect(await ledger()).toEqual([]); // pending: neither listed nor announced
    expect(adjustmentRows()).toBe(1);
    expect(fake.stockOf('b1')).toBe(stock);
    const next = await backend.books!.adjustStock(restock(1));
    expect(E.isRight(next) && next.right.stock).toBe(stock + 1);
    expect(await ledger()).toEqual([1, ...deltas]);
    expect((await events()).length).toBe(1 + deltas.length);
  });

  it('an order batch settles a pending adjustment before it writes the stock', async () => {
    fake.inject({ route: ROUTE, times: 1, fault: { kind: 'reset' }, afterApplying: true });
    await backend.books!.adjustStock(restock(5)).catch(() => undefined);
    const order = anOrder({ bookId: bookId('b1'), quantity: qty(2), unitPrice: cents(1000), now: NOW });
    expect(E.isRight(await backend.orders.place(confirmed(order), () => rejected(order)))).toBe(true);
    expect(fake.stockOf('b1')).toBe(13);
    expect(await ledger()).toEqual([5]);
  });

  it('after a restart, the adjustment left in doubt is settled by the book\'s first write', async () => {
    fake.inject({ route: ROUTE, times: 1, fault: { kind: 'reset' }, afterApplying: true });
    await backend.books!.adjustStock(restock(5)).catch(() => undefined);
    await backend.close();
    backend = open();
    expect(await ledger()).toEqual([]);
    const next = await backend.books!.adjustStock(restock(-3));
    expect(E.isRight(next) && (next.right as StockAdjustment).stock).toBe(12);
    expect(await ledger()).toEqual([-3, 5]);
    expect((await events()).length).toBe(2);
  });

  it('makes no extra storage call for an order when no adjustment is pending', async () => {
    expect(E.isRight(await backend.books!.adjustStock(restock(2)))).toBe(true);
    const from = fake.received.length;
    // As the service places an order: the book is read (its stock seen fresh), then the saga writes it.
    await backend.inventory.findBook(bookId('b1'));
    const order = anOrder({ bookId: bookId('b1'), quantity: qty(1), unitPrice: cents(1000), now: NOW });
    await backend.orders.place(confirmed(order), () => rejected(order));
    expect(fake.routesFrom(from)).toEqual(['GET /internal/books/get', 'POST /internal/orders/add', ROUTE, 'PUT /internal/orders/update-status']);
    expect(fake.stockOf('b1')).toBe(11);
  });
});

describe('storage-service catalog over HTTP: the /books routes are served', () => {
  it('restocks through POST /books/{id}/stock-adjustments and lists the ledger', async () => {
    const stack = await startStack();
    try {
      stack.fake.addBook({ id: 'b1', quantity: 3, price: 10 });
      const got = await request(stack.service.url, 'GET', '/books/b1');
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: 'b1', stock: 3 });
      const adjusted = await request(stack.service.url, 'POST', '/books/b1/stock-adjustments', { delta: 4, reason: 'restock' });
      expect(adjusted.status).toBe(201);
      expect(adjusted.body).toMatchObject({ bookId: 'b1', delta: 4, stock: 7, reason: 'restock' });
      expect(stack.fake.stockOf('b1')).toBe(7);
      const listed = await request(stack.service.url, 'GET', '/books/b1/stock-adjustments');
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).toContain(adjusted.body.id);
    } finally {
      await stack.stop();
    }
  });
});
