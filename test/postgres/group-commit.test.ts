import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { PostgresInventory } from '../../src/adapters/outbound/postgres/postgres-inventory.adapter.js';
import { migrate } from '../../src/adapters/outbound/postgres/postgres-migrations.js';
import { PostgresOrderRepository } from '../../src/adapters/outbound/postgres/postgres-order-repository.adapter.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, bookId, qty, userId } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const OPTIONS = { poolMax: 5, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 };
const confirmed = (order: Order) => (order.moveTo('confirmed', NOW) as E.Right<Order>).right;
const rejected = (order: Order) => () => (order.moveTo('rejected', NOW) as E.Right<Order>).right;

describe('PostgreSQL placements share transactions', () => {
  let database: TestDatabase;
  let db: PostgresDatabase;
  let orders: PostgresOrderRepository;
  let transactions = 0;
  const place = (order: Order) => orders.place(confirmed(order), rejected(order));
  const stockOf = async (book: string) =>
    (await database.query<{ stock: number }>('SELECT stock FROM books WHERE id = $1', [book]))[0]!.stock;
  /** Transactions the server has committed in this database, as its statistics count them. */
  const serverCommits = async () =>
    Number((await database.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n);

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate({ url: database.url, connectTimeoutMs: 2_000 });
  });
  beforeEach(() => {
    db = PostgresDatabase.open({ url: database.url, ...OPTIONS });
    const transaction = db.transaction.bind(db);
    transactions = 0;
    db.transaction = (work, keep) => {
      transactions += 1;
      return transaction(work, keep);
    };
    orders = new PostgresOrderRepository(db);
  });
  afterEach(() => db.close());
  afterAll(() => database.drop());

  it('commits many concurrent placements in far fewer transactions than orders, without overselling', async () => {
    const book = bookId('b-hot');
    await new PostgresInventory(db).seed([aBook({ id: book, stock: 150 })]);
    transactions = 0;
    const before = await serverCommits();
    // 40 callers, each placing its next order as soon as the last one is answered: what 40 HTTP clients do.
    const answers = (await Promise.all(Array.from({ length: 40 }, async (_, caller) => {
      const mine = [];
      for (let i = 0; i < 5; i += 1) mine.push(await place(anOrder({ bookId: book, userId: userId(`u${caller}`), quantity: qty(1) })));
      return mine;
    }))).flat();
    await db.close();
    // A backend hands its counts to the statistics when it exits; give the last one a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const committed = (await serverCommits()) - before - 1;
    db = PostgresDatabase.open({ url: database.url, ...OPTIONS });

    expect(answers.filter(E.isRight)).toHaveLength(150);
    expect(answers.filter(E.isLeft).map((a) => a.left._tag)).toEqual(Array(50).fill('InsufficientStock'));
    expect(await stockOf(book)).toBe(0);
    expect(transactions).toBeLessThanOrEqual(200 / 10);
    // The server's own count agrees, give or take a transaction per connection it opened.
    expect(committed).toBeLessThanOrEqual(transactions + OPTIONS.poolMax);
  });

  it('fails only the order at fault when a batch breaks a constraint: the rest of the batch is confirmed', async () => {
    const book = bookId('b-dup');
    await new PostgresInventory(db).seed([aBook({ id: book, stock: 100 })]);
    const existing = anOrder({ bookId: book, quantity: qty(2) });
    expect(E.isRight(await place(existing))).toBe(true);

    const fresh = Array.from({ length: 10 }, () => anOrder({ bookId: book, quantity: qty(3) }));
    const batch = [...fresh.slice(0, 4), existing, ...fresh.slice(4, 8), fresh[8]!, fresh[8]!, fresh[9]!];
    const started = transactions;
    const outcomes = await Promise.allSettled(batch.map(place));

    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason as { code?: string }]] as const : []));
    // The order placed again, and the second of two placements of one id, each throw the database's error.
    expect(failed.map(([i, reason]) => [i, reason.code, reason instanceof DependencyFailure])).toEqual([
      [4, '23505', false], [10, '23505', false]]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => E.isRight(o.value))).toEqual(Array(10).fill(true));
    expect(transactions - started).toBeGreaterThan(1); // one batch, split until the culprits were alone

    const stored = await database.query<{ id: string; status: string; quantity: number }>(
      'SELECT id, status, quantity FROM orders WHERE book_id = $1', [book]);
    expect(stored).toHaveLength(11);
    expect(new Set(stored.map((o) => o.status))).toEqual(new Set(['confirmed']));
    expect(await stockOf(book)).toBe(100 - 2 - 10 * 3);
    const [holds] = await database.query<{ n: number; held: number }>(
      'SELECT count(*)::int AS n, sum(quantity)::int AS held FROM stock_holds WHERE book_id = $1', [book]);
    expect(holds).toEqual({ n: 11, held: 32 });
  });

  it('fails only the caller whose refusal is a bug, and refuses greedily in arrival order', async () => {
    const book = bookId('b-greedy');
    await new PostgresInventory(db).seed([aBook({ id: book, stock: 5 })]);
    const [big, small, buggy, exact] = [4, 2, 9, 1].map((q) => anOrder({ bookId: book, quantity: qty(q) }));
    const outcomes = await Promise.allSettled([
      place(big!),
      place(small!), // does not fit after `big`: refused, and stored rejected
      orders.place(confirmed(buggy!), () => confirmed(buggy!)), // a "refusal" that would hold stock
      place(exact!),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? (E.isRight(o.value) ? 'confirmed' : o.value.left._tag) : 'threw')))
      .toEqual(['confirmed', 'InsufficientStock', 'threw', 'confirmed']);
    const stored = await database.query<{ id: string; status: string }>('SELECT id, status FROM orders WHERE book_id = $1', [book]);
    expect(Object.fromEntries(stored.map((o) => [o.id, o.status])))
      .toEqual({ [big!.id]: 'confirmed', [small!.id]: 'rejected', [exact!.id]: 'confirmed' });
    expect(await stockOf(book)).toBe(0);
  });
});
