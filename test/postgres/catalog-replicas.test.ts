import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { UuidV7OrderIds } from '../../src/adapters/outbound/system/uuid-v7-order-id.adapter.js';
import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import type { StockAdjustment } from '../../src/domain/book-catalog.js';
import type { BookId } from '../../src/domain/identifiers.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import { aBook, anOrder, bookId, cents, qty, userId } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { settledReads } from './settled-reads.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: OrderStatus) => (order.moveTo(to, NOW) as E.Right<Order>).right;
const details = (title: string) => ({ title, author: 'An Author', price: cents(1999) });

interface Announced {
  readonly type: string;
  readonly data: { readonly bookId?: string; readonly delta?: number; readonly stock?: number };
}

/** Two backends in one process, each with its own pool: two replicas as far as the database can tell. */
describe('the PostgreSQL catalog with two replicas writing at once', () => {
  let database: TestDatabase;
  let replicas: StorageBackend[] = [];
  // Each replica dates its adjustments by its own clock and ids: the second runs 50 ms behind the first.
  const clocks = [() => new Date(), () => new Date(Date.now() - 50)];
  const ids = [new UuidV7OrderIds(), new UuidV7OrderIds()];
  const open = () => openPostgresBackend({ url: database.url, poolMax: 4, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
  const restock = (r: number, book: BookId) =>
    replicas[r]!.books!.adjustStock({ id: ids[r]!.next(), bookId: book, delta: 3, reason: 'restock', at: clocks[r]!() });
  /** The book's ledger, oldest first. */
  const ledger = async (book: BookId) => [...(await replicas[0]!.books!.listAdjustments(book, 200))!].reverse();

  /** Every event in the feed, from the start, once every write made so far has settled. */
  const feed = async (): Promise<Array<LoggedEvent & { announced: Announced }>> => {
    const log = settledReads(replicas[1]!.events, database.url);
    try {
      const events: Array<LoggedEvent & { announced: Announced }> = [];
      for (let cursor: string | undefined; ;) {
        const read = await log.read(cursor, 500);
        if (read.kind !== 'page') throw new Error(`feed read: ${read.kind}`);
        if (read.events.length === 0) return events;
        events.push(...read.events.map((e) => ({ ...e, announced: JSON.parse(e.body) as Announced })));
        cursor = read.next;
      }
    } finally {
      await log.close();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = await Promise.all([open(), open()]);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await database.drop();
  });

  it('ends 100 orders and 20 restocks racing across both at initial + restocks − confirmed, each announced in order', async () => {
    const HOT = bookId('b-catalog-hot');
    const INITIAL = 30;
    await replicas[0]!.catalog!.seed([aBook({ id: HOT, stock: INITIAL })]);

    const orders: Array<Promise<E.Either<{ _tag: string }, Order>>> = [];
    const restocks: Array<Promise<E.Either<{ _tag: string }, StockAdjustment>>> = [];
    for (let i = 0; i < 120; i += 1) {
      if (i % 6 === 5) {
        restocks.push(restock(Math.floor(i / 6) % 2, HOT));
      } else {
        const order = anOrder({ bookId: HOT, userId: userId(`catalog-${i % 7}`), quantity: qty(1), now: NOW });
        orders.push(replicas[i % 2]!.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected')));
      }
    }
    const placed = await Promise.all(orders);
    const restocked = await Promise.all(restocks);
    expect(restocked.every(E.isRight)).toBe(true);
    const confirmed = placed.filter(E.isRight).length;
    expect(placed.filter(E.isLeft).map((p) => (p as E.Left<{ _tag: string }>).left._tag))
      .toEqual(Array(100 - confirmed).fill('InsufficientStock'));
    expect(confirmed).toBeGreaterThanOrEqual(INITIAL);

    const [row] = await database.query<{ stock: number; adjusted: number; entries: number; held: number }>(
      `SELECT (SELECT stock FROM books WHERE id = $1) AS stock,
              (SELECT coalesce(sum(delta), 0)::int FROM stock_adjustments WHERE book_id = $1) AS adjusted,
              (SELECT count(*)::int FROM stock_adjustments WHERE book_id = $1) AS entries,
              (SELECT coalesce(sum(quantity), 0)::int FROM stock_holds WHERE book_id = $1 AND returned = 0) AS held`, [HOT]);
    expect(row!.stock).toBe(INITIAL + 60 - confirmed);
    expect({ adjusted: row!.adjusted, entries: row!.entries, held: row!.held }).toEqual({ adjusted: 60, entries: 20, held: confirmed });
    // The stock invariant: seeded + adjustments − held = stock.
    expect(INITIAL + row!.adjusted - row!.held).toBe(row!.stock);

    // One event per adjustment, in the ledger's order. Orders only take stock between two adjustments, so along the
    // ledger each entry's stock is at most 3 above the one before.
    const entries = await ledger(HOT);
    const adjusted = (await feed()).filter((e) => e.subject === HOT);
    expect(adjusted.map((e) => [e.type, e.id, e.announced.data.stock]))
      .toEqual(entries.map((a) => ['com.avakart.book.stock-adjusted', a.id, a.stock]));
    entries.forEach((entry, i) => expect(entry.stock - (i === 0 ? INITIAL : entries[i - 1]!.stock)).toBeLessThanOrEqual(3));
    expect(row!.stock).toBeLessThanOrEqual(entries[entries.length - 1]!.stock);
  });

  it('lists concurrent restocks in the order they were applied, whichever replica and clock dated them', async () => {
    const BOOK = bookId('b-catalog-restocked');
    await replicas[0]!.catalog!.seed([aBook({ id: BOOK, stock: 0 })]);
    const restocked = await Promise.all(Array.from({ length: 20 }, (_, i) => restock(i % 2, BOOK)));
    expect(restocked.every(E.isRight)).toBe(true);

    const entries = await ledger(BOOK);
    expect(entries.map((a) => a.stock)).toEqual(Array.from({ length: 20 }, (_, i) => 3 * (i + 1)));
    const times = entries.map((a) => a.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(20);
    // What each caller was answered is what the ledger keeps.
    const answered = new Map(restocked.map((r) => [(r as E.Right<StockAdjustment>).right.id, (r as E.Right<StockAdjustment>).right]));
    for (const entry of entries) expect(answered.get(entry.id)).toEqual(entry);
    const announced = (await feed()).filter((e) => e.subject === BOOK).map((e) => e.announced.data.stock);
    expect(announced).toEqual(entries.map((a) => a.stock));
  });

  it('answers concurrent creates of one id from both replicas with one created and the others replacing it', async () => {
    const id = bookId('b-catalog-created');
    const puts = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      replicas[i % 2]!.books!.putBook({ id, details: details(`Edition ${i}`), stock: 5 })));
    expect(puts.filter((p) => p.kind === 'created')).toHaveLength(1);
    expect(puts.filter((p) => p.kind === 'replaced')).toHaveLength(9);
    // Every put changed the title once, in some order: versions 1 to 10, each once.
    const versions = puts.map((p) => (p.kind === 'created' || p.kind === 'replaced' ? p.book.version : 0));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await replicas[1]!.books!.getBook(id)).toMatchObject({ stock: 5, version: 10 });
  });

  it('decides a create again on the book another writer inserted while it waited', async () => {
    const id = bookId('b-catalog-raced');
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("INSERT INTO books (id, title, author, price_cents, stock) VALUES ($1, 'First', 'A', 1000, 5)", [id]);
      const putting = replicas[0]!.books!.putBook({ id, details: details('Second'), stock: 5 });
      // The put found no row to lock; its insert now waits for the other writer's.
      for (const started = Date.now(); Date.now() - started < 5_000; await new Promise((resolve) => setTimeout(resolve, 10))) {
        const [waiting] = await database.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database.name]);
        if (waiting!.n > 0) break;
      }
      await other.query('COMMIT');
      expect(await putting).toMatchObject({ kind: 'replaced', book: { title: 'Second', stock: 5, version: 2 } });
      const refused = await replicas[1]!.books!.putBook({ id, details: details('Third'), stock: 6 });
      expect(refused).toMatchObject({ kind: 'stock-not-settable', current: { title: 'Second', stock: 5 } });
    } finally {
      await other.end();
    }
  });
});
