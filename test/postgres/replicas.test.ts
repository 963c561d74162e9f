import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
