import { createServer } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { PostgresCatalog } from '../../src/adapters/outbound/postgres/postgres-catalog.adapter.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { PostgresInventory } from '../../src/adapters/outbound/postgres/postgres-inventory.adapter.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import { PostgresOrderRepository } from '../../src/adapters/outbound/postgres/postgres-order-repository.adapter.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderRepository } from '../../src/domain/ports/order-repository.port.js';
import { aBook, anOrder, bookId, cents, orderId, qty, userId } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { TcpProxy } from './tcp-proxy.js';

const TIMEOUTS = { poolMax: 3, connectTimeoutMs: 300, statementTimeoutMs: 300 };
const NOW = new Date('2026-11-22T11:00:00.000Z');
const confirmed = (order: Order) => (order.moveTo('confirmed', NOW) as E.Right<Order>).right;
const rejected = (order: Order) => () => (order.moveTo('rejected', NOW) as E.Right<Order>).right;
const placeConfirmed = (orders: OrderRepository, order: Order) => orders.place(confirmed(order), rejected(order));
const refuse = () => {
  throw new Error('a pending order takes no stock');
};

/** Every port method, each expected to reject with a DependencyFailure that says nothing was applied. */
function everyCall(db: PostgresDatabase): Array<[string, () => Promise<unknown>]> {
  const orders = new PostgresOrderRepository(db);
  const inventory = new PostgresInventory(db);
  const books = new PostgresCatalog(db, inventory);
  return [
    ['place', () => placeConfirmed(orders, anOrder())],
    ['findById', () => orders.findById(orderId('o1'))],
    ['listByUser', () => orders.listByUser(userId('u1'), 10, { createdAt: NOW, id: orderId('o1') })],
    ['update', () => orders.update(orderId('o1'), (o) => o.moveTo('confirmed', NOW))],
    ['findBook', () => inventory.findBook(bookId('b1'))],
    ['seed', () => inventory.seed([aBook()])],
    ['listBooks', () => books.listBooks(10, bookId('b0'))],
    ['getBook', () => books.getBook(bookId('b1'))],
    ['putBook', () => books.putBook({ id: bookId('b1'), details: { title: 'T', author: 'A', price: cents(100) }, stock: 1 })],
    ['adjustStock', () => books.adjustStock({ id: 'adj-1', bookId: bookId('b1'), delta: 1, reason: 'restock', at: NOW })],
    ['listAdjustments', () => books.listAdjustments(bookId('b1'), 10, { at: NOW, id: 'adj-1' })],
    ['check', () => db.ping()],
  ];
}

async function expectQuickFailures(db: PostgresDatabase, withinMs: number): Promise<void> {
  for (const [name, call] of everyCall(db)) {
    const started = Date.now();
    const error = await call().then(() => undefined, (e: unknown) => e);
    expect([name, error]).toEqual([name, expect.any(DependencyFailure)]);
    expect((error as DependencyFailure).options.outcomeUnknown).toBeFalsy();
    expect(Date.now() - started).toBeLessThan(withinMs);
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('PostgreSQL adapters when the database fails', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let backend: StorageBackend | undefined;
  let db: PostgresDatabase | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await new TcpProxy().start();
  });
  afterEach(async () => {
    proxy.heal();
    await backend?.close();
    await db?.close();
    backend = db = undefined;
  });
  afterAll(async () => {
    await proxy.stop();
    await database.drop();
  });

  /** The server goes on with a cut connection's last statements after the client is gone: wait until it is done. */
  const serverCaughtUp = async () => {
    for (const started = Date.now(); Date.now() - started < 5_000;) {
      const [busy] = await database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle' AND pid <> pg_backend_pid()",
        [database.name]);
      if (busy!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the server is still busy with a cut connection');
  };

  it('rejects every call at once with a DependencyFailure when nothing listens', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`;
    db = PostgresDatabase.open({ url, ...TIMEOUTS });
    await expectQuickFailures(db, 1_000);
    await expect(openPostgresBackend({ url, ...TIMEOUTS })).rejects.toBeInstanceOf(DependencyFailure);
  });

  it('gives up after the connect timeout instead of hanging when the database swallows traffic', async () => {
    proxy.hang();
    db = PostgresDatabase.open({ url: proxy.via(database.url), ...TIMEOUTS });
    await expectQuickFailures(db, 1_000);
  });

  it('gives up on an open connection that stops answering, then recovers when traffic flows again', async () => {
    backend = await openPostgresBackend({ url: proxy.via(database.url), ...TIMEOUTS });
    await backend.catalog!.seed([aBook({ stock: 5 })]);
    proxy.hang();
    const started = Date.now();
    await expect(backend.inventory.findBook(bookId('b1'))).rejects.toBeInstanceOf(DependencyFailure);
    await expect(backend.check()).rejects.toBeInstanceOf(DependencyFailure);
    expect(Date.now() - started).toBeLessThan(4_000);
    proxy.heal();
    await backend.check();
    expect((await backend.inventory.findBook(bookId('b1')))!.stock).toBe(5);
  });

  it('says the outcome of an update is unknown when the line dies after COMMIT was sent, and not before', async () => {
    backend = await openPostgresBackend({ url: proxy.via(database.url), ...TIMEOUTS });
    const book = bookId('b-update-cut');
    await backend.catalog!.seed([aBook({ id: book, stock: 5 })]);
    const order = anOrder({ bookId: book });
    await backend.orders.place(order, refuse);

    proxy.cutAfter('FOR UPDATE');
    const beforeCommit = await backend.orders.update(order.id, (o) => o.moveTo('confirmed', NOW)).catch((e: unknown) => e);
    expect(beforeCommit).toBeInstanceOf(DependencyFailure);
    expect((beforeCommit as DependencyFailure).options.outcomeUnknown).toBeFalsy();
    await serverCaughtUp();
    expect((await backend.orders.findById(order.id))!.status).toBe('pending');
    expect((await backend.inventory.findBook(book))!.stock).toBe(5);

    proxy.cutAfter('COMMIT');
    const afterCommit = await backend.orders.update(order.id, (o) => o.moveTo('confirmed', NOW)).catch((e: unknown) => e);
    expect(afterCommit).toBeInstanceOf(DependencyFailure);
    expect((afterCommit as DependencyFailure).options.outcomeUnknown).toBe(true);
    await serverCaughtUp();
    // Why "unknown" is the honest answer: the server did commit it, with its stock.
    expect((await backend.orders.findById(order.id))!.status).toBe('confirmed');
    expect((await backend.inventory.findBook(book))!.stock).toBe(3);
  });

  it('says the outcome of a stock adjustment is unknown when the line dies after COMMIT was sent, and not before', async () => {
    backend = await openPostgresBackend({ url: proxy.via(database.url), ...TIMEOUTS });
    const book = bookId('b-adjust-cut');
    await backend.catalog!.seed([aBook({ id: book, stock: 5 })]);
    const adjust = (id: string) => backend!.books!.adjustStock({ id, bookId: book, delta: 4, reason: 'restock', at: NOW }).catch((e: unknown) => e);
    const recorded = async () => (await database.query<{ stock: number; entries: number; events: number }>(
      `SELECT (SELECT stock FROM books WHERE id = $1) AS stock,
              (SELECT count(*)::int FROM stock_adjustments WHERE book_id = $1) AS entries,
              (SELECT count(*)::int FROM events WHERE subject = $1) AS events`, [book]))[0];

    proxy.cutAfter('FOR UPDATE');
    const beforeCommit = await adjust('adj-cut-1');
    expect(beforeCommit).toBeInstanceOf(DependencyFailure);
    expect((beforeCommit as DependencyFailure).options.outcomeUnknown).toBeFalsy();
    await serverCaughtUp();
    expect(await recorded()).toEqual({ stock: 5, entries: 0, events: 0 });

    proxy.cutAfter('COMMIT');
    const afterCommit = await adjust('adj-cut-2');
    expect(afterCommit).toBeInstanceOf(DependencyFailure);
    expect((afterCommit as DependencyFailure).options.outcomeUnknown).toBe(true);
    await serverCaughtUp();
    expect(await recorded()).toEqual({ stock: 9, entries: 1, events: 1 });
  });

  it('says the same of a batch of placements: every caller of the batch is told the outcome is unknown', async () => {
    backend = await openPostgresBackend({ url: proxy.via(database.url), ...TIMEOUTS });
    const book = bookId('b-batch-cut');
    await backend.catalog!.seed([aBook({ id: book, stock: 50 })]);
    const placeMany = (orders: readonly Order[]) =>
      Promise.all(orders.map((o) => placeConfirmed(backend!.orders, o).catch((e: unknown) => e)));

    proxy.cutAfter('FOR UPDATE');
    const lost = Array.from({ length: 4 }, () => anOrder({ bookId: book, quantity: qty(1) }));
    const beforeCommit = await placeMany(lost);
    for (const error of beforeCommit) {
      expect(error).toBeInstanceOf(DependencyFailure);
      expect((error as DependencyFailure).options.outcomeUnknown).toBeFalsy();
    }
    await serverCaughtUp();
    expect(await Promise.all(lost.map((o) => backend!.orders.findById(o.id)))).toEqual(lost.map(() => undefined));

    proxy.cutAfter('COMMIT');
    const kept = Array.from({ length: 4 }, () => anOrder({ bookId: book, quantity: qty(1) }));
    const afterCommit = await placeMany(kept);
    for (const error of afterCommit) expect((error as DependencyFailure).options.outcomeUnknown).toBe(true);
    await serverCaughtUp();
    expect((await Promise.all(kept.map((o) => backend!.orders.findById(o.id)))).map((o) => o?.status))
      .toEqual(kept.map(() => 'confirmed'));
    expect((await backend.inventory.findBook(book))!.stock).toBe(46);
  });

  it('lets a bug show as a bug: placing an order id twice throws the database error, not a DependencyFailure', async () => {
    backend = await openPostgresBackend({ url: database.url, ...TIMEOUTS });
    const order = anOrder();
    await backend.orders.place(order, refuse);
    const error = await backend.orders.place(order, refuse).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyFailure);
    expect(error).toMatchObject({ code: '23505', constraint: 'orders_pkey' });
  });

  it('survives the server dropping every connection, idle or busy, and carries on with new ones', async () => {
    backend = await openPostgresBackend({ url: database.url, ...TIMEOUTS, statementTimeoutMs: 5_000 });
    const book = bookId('b-dropped');
    await backend.catalog!.seed([aBook({ id: book, stock: 100 })]);
    await Promise.all(Array.from({ length: 3 }, () => backend!.inventory.findBook(book)));
    const terminateAll = () => database.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
    // Settled from the start: a placement that fails while the terminate runs must not count as an unhandled
    // rejection. Spread over turns of the event loop, so that several batches are in flight when the cut comes.
    const load = Promise.allSettled(Array.from({ length: 30 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i % 6));
      return placeConfirmed(backend!.orders, anOrder({ id: orderId(`t${i}`), bookId: book, quantity: qty(1) }));
    }));
    await terminateAll();
    const outcomes = await load;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(DependencyFailure);
      else expect(E.isRight(outcome.value)).toBe(true);
    }
    // Now every pooled connection is idle: dropping them must not crash the process or poison the pool.
    await terminateAll();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await backend.check();
    const [{ stock, held }] = await database.query<{ stock: number; held: number }>(
      `SELECT (SELECT stock FROM books WHERE id = $1) AS stock,
              (SELECT count(*)::int FROM stock_holds WHERE book_id = $1 AND returned = 0) AS held`,
      [book],
    ) as [{ stock: number; held: number }];
    expect(stock).toBe(100 - held);
  });

  it('survives a connection ended in the same read as the answer that gave it to a waiting transaction', async () => {
    // One connection: the transaction waits for the read's, which the pool hands over as the read's answer arrives.
    db = PostgresDatabase.open({ url: proxy.via(database.url), ...TIMEOUTS, poolMax: 1, statementTimeoutMs: 5_000 });
    const [{ pid }] = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    proxy.withhold();
    const read = db.query('SELECT 1 AS one');
    const write = db.transaction((sql) => sql.query('SELECT 2 AS two'));
    write.catch(() => {});
    await serverCaughtUp();
    await database.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The read's answer, then the server's FATAL 57P01, then the end of the line: one chunk for the client.
    proxy.deliver();
    expect((await read).rows).toEqual([{ one: 1 }]);
    await expect(write).rejects.toBeInstanceOf(DependencyFailure);
    expect((await db.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });
});
