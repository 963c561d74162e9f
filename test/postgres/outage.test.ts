import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/infrastructure/server.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { tempDir } from '../support/temp-dir.js';
import { startTestService } from '../support/test-service.js';
import { TcpProxy } from './tcp-proxy.js';

const SEEDED = 100_000;
const BOOK = 'b-outage';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  readonly what: 'place' | 'cancel';
  readonly status: number;
  readonly type: string;
  readonly problem?: string;
  readonly ms: number;
  readonly orderId?: string;
  readonly quantity: number;
}

/** One call with a deadline: a request the service leaves hanging is recorded as status 0. */
async function call(base: string, method: string, path: string, body: unknown) {
  const started = Date.now();
  try {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json().catch(() => undefined)) as { id?: string; type?: string } | undefined;
    return { status: response.status, type: response.headers.get('content-type') ?? '', json, ms: Date.now() - started };
  } catch {
    return { status: 0, type: '', json: undefined, ms: Date.now() - started };
  }
}

describe('PostgreSQL outage under load', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let service: RunningService;
  const dir = tempDir();

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await new TcpProxy().start();
    const seedFile = join(dir.path, 'catalog.json');
    writeFileSync(seedFile, JSON.stringify([{ id: BOOK, title: 'T', author: 'A', price: 10.1, quantity: SEEDED }]));
    service = await startTestService({
      STORAGE_BACKEND: 'postgres',
      DATABASE_URL: proxy.via(database.url),
      DATABASE_POOL_MAX: '5',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
      INVENTORY_SEED_FILE: seedFile,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await proxy.stop();
    await database.drop();
    dir.remove();
  });

  const ready = async () => (await fetch(`${service.url}/health/ready`)).status;

  it('answers 503 problem+json while the database is away, recovers without a restart, and loses nothing', async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i += 1) {
        const quantity = 1 + (i % 3);
        const placed = await call(service.url, 'POST', '/orders', { bookId: BOOK, userId: `user-${w}`, quantity });
        outcomes.push({ what: 'place', ...placed, problem: placed.json?.type, orderId: placed.json?.id, quantity });
        if (placed.status === 201 && i % 3 === 0) {
          const cancelled = await call(service.url, 'PUT', `/orders/${placed.json!.id}/status`, { status: 'cancelled' });
          outcomes.push({ what: 'cancel', ...cancelled, problem: cancelled.json?.type, orderId: placed.json!.id, quantity });
        }
        await sleep(10);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));

    await sleep(600);
    await database.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database.name]);
    await sleep(400);
    await proxy.stop(); // connections reset, new ones refused
    await sleep(300);
    const readyWhileRefused = await ready();
    await sleep(500);
    proxy.hang(); // connections accepted, nothing answers
    await proxy.start();
    await sleep(300);
    const readyWhileHung = await ready();
    await sleep(700);
    proxy.heal();
    const healedAt = Date.now();
    while ((await ready()) !== 200 && Date.now() - healedAt < 10_000) await sleep(100);
    const recoveredInMs = Date.now() - healedAt;
    await sleep(800);
    running = false;
    await load;

    expect([readyWhileRefused, readyWhileHung]).toEqual([503, 503]);
    expect(recoveredInMs).toBeLessThan(10_000);
    expect((await call(service.url, 'POST', '/orders', { bookId: BOOK, userId: 'after', quantity: 1 })).status).toBe(201);

    const byStatus = (status: number) => outcomes.filter((o) => o.status === status);
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([200, 201, 503]));
    for (const o of byStatus(503)) {
      expect([o.type, o.problem]).toEqual(['application/problem+json', '/problems/dependency-unavailable']);
    }
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(5_000);

    // Every acknowledged order is stored and holds its stock, unless its cancel was acknowledged too.
    const acknowledged = outcomes.filter((o) => o.what === 'place' && o.status === 201);
    const cancelled = new Set(outcomes.filter((o) => o.what === 'cancel' && o.status === 200).map((o) => o.orderId));
    const rows = await database.query<{ id: string; status: string; returned: number | null }>(
      'SELECT o.id, o.status, h.returned FROM orders o LEFT JOIN stock_holds h ON h.order_id = o.id WHERE o.id = ANY($1)',
      [acknowledged.map((o) => o.orderId)]);
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const o of acknowledged) {
      const row = stored.get(o.orderId!);
      if (cancelled.has(o.orderId)) expect(row).toMatchObject({ status: 'cancelled', returned: 1 });
      // A cancel answered 503 was applied whole or not at all: its status and its give-back share one transaction.
      else expect([['confirmed', 0], ['cancelled', 1]]).toContainEqual([row?.status, row?.returned]);
    }

    const [stock] = await database.query<{ stock: number; held: number }>(
      `SELECT (SELECT stock FROM books WHERE id = $1) AS stock,
              (SELECT coalesce(sum(quantity), 0)::int FROM stock_holds WHERE book_id = $1 AND returned = 0) AS held`, [BOOK]);
    expect(SEEDED - stock!.stock).toBe(stock!.held);
  });
});
