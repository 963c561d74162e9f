import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, bookId, qty, userId } from '../support/order-mother.js';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { tempDir } from '../support/temp-dir.js';
import { request } from '../support/test-service.js';

const BOOK = 'b-replicas';

/** Two compiled services as separate processes on one database: what two Kubernetes replicas are. */
describe('two replicas on one PostgreSQL database', () => {
  const dir = tempDir();
  let database: TestDatabase;
  let replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const seedFile = join(dir.path, 'catalog.json');
    writeFileSync(seedFile, JSON.stringify([{ id: BOOK, title: 'T', author: 'A', price: 9.99, quantity: 50 }]));
    const env = { STORAGE_BACKEND: 'postgres', DATABASE_URL: database.url, DATABASE_POOL_MAX: '5', INVENTORY_SEED_FILE: seedFile };
    // Started together on an empty database: both migrate and seed at once, and the lock sorts them out.
    replicas = await Promise.all([spawnService(env), spawnService(env)]);
  });
  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    const codes = await Promise.all(replicas.map((r) => r.exited));
    await database.drop();
    dir.remove();
    expect(codes).toEqual([0, 0]);
  });

  const stock = async () =>
    (await database.query<{ stock: number }>('SELECT stock FROM books WHERE id = $1', [BOOK]))[0]!.stock;

  it('confirms exactly as many of 200 concurrent orders as there is stock, whichever replica takes them', async () => {
    const placed = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(replicas[i % 2]!.url, 'POST', '/orders', { bookId: BOOK, userId: `user-${i % 7}`, quantity: 1 })),
    );
    const confirmed = placed.filter((r) => r.status === 201);
    expect(confirmed).toHaveLength(50);
    expect(placed.filter((r) => r.status !== 201).map((r) => r.body.type)).toEqual(Array(150).fill('/problems/insufficient-stock'));
    expect(await stock()).toBe(0);
    const [ledger] = await database.query<{ held: number; confirmed: number }>(
      `SELECT (SELECT count(*)::int FROM stock_holds WHERE returned = 0) AS held,
              (SELECT count(*)::int FROM orders WHERE status = 'confirmed') AS confirmed`);
    expect(ledger).toEqual({ held: 50, confirmed: 50 });

    // Each replica serves what the other one wrote.
    const readBack = await Promise.all(
      confirmed.map((r, i) => request(replicas[(i + 1) % 2]!.url, 'GET', `/orders/${r.body.id}`)));
    expect(readBack.map((r) => [r.status, r.body.status])).toEqual(Array(50).fill([200, 'confirmed']));
  });

  it('gives the stock back once when both replicas receive the same cancel at the same moment', async () => {
    const before = await stock();
    const orders = (await database.query<{ id: string }>(
      "SELECT id FROM orders WHERE status = 'confirmed' ORDER BY id LIMIT 10")).map((r) => r.id);
    const answers = await Promise.all(orders.flatMap((id) =>
      replicas.map((replica) => request(replica.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' }))));
    expect(answers.map((r) => [r.status, r.body.status])).toEqual(Array(20).fill([200, 'cancelled']));
    expect(await stock()).toBe(before + orders.length);
    const [returned] = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM stock_holds WHERE returned = 1 AND order_id = ANY($1)', [orders]);
    expect(returned!.n).toBe(orders.length);
  });

  it('recognises a retried Idempotency-Key whichever replica the retry reaches', async () => {
    const body = { bookId: BOOK, userId: 'idempotent-user', quantity: 1 };
    const send = (replica: ServiceProcess) => request(replica.url, 'POST', '/orders', body, { 'Idempotency-Key': 'k-replicas' });
    const first = await Promise.all(replicas.map(send));
    expect(first.map((r) => r.status).sort()).toEqual(expect.arrayContaining([201]));
    expect(first.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const retries = await Promise.all(replicas.map(send));
    expect(retries.map((r) => [r.status, r.headers.get('idempotent-replayed')])).toEqual([[201, 'true'], [201, 'true']]);
    expect(new Set([...first, ...retries].filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
    const [placed] = await database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM orders WHERE user_id = 'idempotent-user'");
    expect(placed!.n).toBe(1);
  });
});

/** Two backends in one process, each with its own pool: two replicas as far as the database can tell. */
describe('two pools placing and cancelling on one hot book', () => {
  const NOW = new Date('2026-11-22T10:00:00.000Z');
  const HOT = bookId('b-hot');
  const options = (database: TestDatabase) => ({ url: database.url, poolMax: 4, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
  const moved = (order: Order, to: 'confirmed' | 'rejected' | 'cancelled') => (order.moveTo(to, NOW) as E.Right<Order>).right;
  let database: TestDatabase;
  let pools: StorageBackend[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    pools = await Promise.all([openPostgresBackend(options(database)), openPostgresBackend(options(database))]);
    await Promise.all(pools.map((p) => p.catalog!.seed([aBook({ id: HOT, stock: 30 })])));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await database.drop();
  });

  /** `perPool` callers on each pool, each placing its next order once the last is answered. */
  const placeFromBoth = async (perPool: number, each: number, quantity: (n: number) => number) => {
    const placed: Array<{ order: Order; answer: E.Either<{ _tag: string }, Order> }> = [];
    await Promise.all(pools.flatMap((pool, p) => Array.from({ length: perPool }, async (_, caller) => {
      for (let i = 0; i < each; i += 1) {
        const order = anOrder({ bookId: HOT, userId: userId(`p${p}-c${caller}`), quantity: qty(quantity(placed.length)), now: NOW });
        placed.push({ order, answer: await pool.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected')) });
      }
    })));
    return placed;
  };
  const ledger = async () => (await database.query<{ stock: number; held: number; holds: number; returned: number }>(
    `SELECT (SELECT stock FROM books WHERE id = $1) AS stock,
            (SELECT coalesce(sum(quantity), 0)::int FROM stock_holds WHERE book_id = $1 AND returned = 0) AS held,
            (SELECT count(*)::int FROM stock_holds WHERE book_id = $1) AS holds,
            (SELECT count(*)::int FROM stock_holds WHERE book_id = $1 AND returned = 1) AS returned`, [HOT]))[0]!;

  it('confirms exactly the stock of 100 concurrent placements, and gives each cancelled hold back once', async () => {
    const first = await placeFromBoth(10, 5, () => 1);
    const confirmed = first.filter((p) => E.isRight(p.answer));
    expect(confirmed).toHaveLength(30);
    expect(first.filter((p) => E.isLeft(p.answer)).map((p) => (p.answer as E.Left<{ _tag: string }>).left._tag))
      .toEqual(Array(70).fill('InsufficientStock'));
    expect(await ledger()).toEqual({ stock: 0, held: 30, holds: 30, returned: 0 });

    // Each cancel reaches both pools twice at once, while more orders, of several sizes, compete for what comes back.
    const cancelled = confirmed.slice(0, 12).map((p) => p.order.id);
    const [cancels, second] = await Promise.all([
      Promise.all(cancelled.flatMap((id) => [...pools, ...pools].map((pool) => pool.orders.update(id, (o) => o.moveTo('cancelled', NOW))))),
      placeFromBoth(5, 2, (n) => 1 + (n % 3)),
    ]);
    expect(cancels.map((c) => E.isRight(c) && c.right.status)).toEqual(Array(48).fill('cancelled'));

    const rows = await database.query<{ id: string; status: string; quantity: number; returned: number | null }>(
      'SELECT o.id, o.status, o.quantity, h.returned FROM orders o LEFT JOIN stock_holds h ON h.order_id = o.id WHERE o.book_id = $1',
      [HOT]);
    expect(rows).toHaveLength(120);
    // Every answer is what was stored: confirmed with its stock held, cancelled with it given back, or rejected
    // without ever taking any.
    const stored = new Map(rows.map((r) => [r.id, [r.status, r.returned]]));
    for (const { order, answer } of [...first, ...second]) {
      const expected = E.isLeft(answer) ? ['rejected', null] : cancelled.includes(order.id) ? ['cancelled', 1] : ['confirmed', 0];
      expect([order.id, stored.get(order.id)]).toEqual([order.id, expected]);
    }

    // Taken once and given back once: what is on the shelf is the seeded stock less what confirmed orders hold.
    const holding = rows.filter((r) => r.status === 'confirmed');
    const held = holding.reduce((sum, r) => sum + r.quantity, 0);
    const after = await ledger();
    expect(after).toEqual({ stock: 30 - held, held, holds: holding.length + 12, returned: 12 });

    // And what came back can be placed again, exactly once.
    const third = await placeFromBoth(5, Math.ceil((after.stock + 10) / 10), () => 1);
    expect(third.filter((p) => E.isRight(p.answer))).toHaveLength(after.stock);
    expect((await ledger()).stock).toBe(0);
  });
});
