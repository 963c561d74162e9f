import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { RecentOrders } from '../../src/adapters/outbound/embedded/recent-orders.js';
import { SqliteDatabase } from '../../src/adapters/outbound/embedded/sqlite-database.js';
import { Order } from '../../src/domain/order.js';
import type { BookId, OrderId, UserId } from '../../src/domain/identifiers.js';
import type { Money } from '../../src/domain/money.js';
import type { Quantity } from '../../src/domain/quantity.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

type Done = (error: NodeJS.ErrnoException | null) => void;
const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

const orderWithId = (id: string, version = 2) => Order.rehydrate({
  id: id as OrderId, bookId: 'b1' as BookId, userId: 'u' as UserId, quantity: 1 as Quantity, unitPrice: 100 as Money,
  total: 100 as Money, status: 'confirmed', createdAt: new Date(0), updatedAt: new Date(0), version,
});

describe('embedded store: gets of the orders this process last read or wrote', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('answers a get of an order just changed with the change, and only once the change is durable', async () => {
    const dataDir = join(dir.path, 'durable');
    const held: Done[] = [];
    let holding = false;
    const syncWal = (_fd: number, done: Done) => (holding ? held.push(done) : setImmediate(() => done(null)));
    const release = () => held.splice(0).forEach((done) => done(null));
    const service = await startTestService({}, { backend: openEmbeddedBackend({ dataDir, synchronous: 'full', syncWal }) });
    const reader = new Database(join(dataDir, 'orders.sqlite3'), { readonly: true });
    const statusIn = (id: string) => (reader.prepare('SELECT status FROM orders WHERE id = ?').get(id) as { status: string }).status;
    try {
      const placed = await request(service.url, 'POST', '/orders', { bookId: 'b1', userId: 'recent', quantity: 1 });
      expect((await request(service.url, 'GET', `/orders/${placed.body.id}`)).body.status).toBe('confirmed');

      holding = true;
      const cancelling = request(service.url, 'PUT', `/orders/${placed.body.id}/status`, { status: 'cancelled' });
      for (let i = 0; i < 50 && statusIn(placed.body.id) !== 'cancelled'; i += 1) await turn();
      expect(statusIn(placed.body.id)).toBe('cancelled'); // committed; its flush is held
      let answered = false;
      const reading = request(service.url, 'GET', `/orders/${placed.body.id}`).finally(() => (answered = true));
      await turn();
      expect(answered).toBe(false);

      holding = false;
      release();
      expect((await cancelling).status).toBe(200);
      const read = await reading;
      expect([read.status, read.body.status, read.body.version, read.headers.get('etag')]).toEqual([200, 'cancelled', 3, '"3"']);
    } finally {
      holding = false;
      release();
      reader.close();
      await service.stop();
    }
  });

  it('does not show a change whose write was rolled back', async () => {
    const dataDir = join(dir.path, 'rollback');
    const service = await startTestService({}, { backend: openEmbeddedBackend({ dataDir, synchronous: 'normal' }) });
    const other = new Database(join(dataDir, 'orders.sqlite3'));
    try {
      const placed = await request(service.url, 'POST', '/orders', { bookId: 'b1', userId: 'recent', quantity: 1 });
      const path = `/orders/${placed.body.id}`;
      expect((await request(service.url, 'GET', path)).body.version).toBe(2);

      // The order's row is written, then its event is refused: the write rolls back as a whole.
      other.exec("CREATE TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END");
      const refused = await request(service.url, 'PUT', `${path}/status`, { status: 'cancelled' });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      const after = await request(service.url, 'GET', path);
      expect([after.body.status, after.body.version]).toEqual(['confirmed', 2]);

      other.exec('DROP TRIGGER refuse_events');
      expect((await request(service.url, 'PUT', `${path}/status`, { status: 'cancelled' })).status).toBe(200);
      expect((await request(service.url, 'GET', path)).body).toMatchObject({ status: 'cancelled', version: 3 });
    } finally {
      other.close();
      await service.stop();
    }
  });

  it('tells its listeners when a write is undone', async () => {
    const db = SqliteDatabase.open({ dataDir: join(dir.path, 'unit'), synchronous: 'normal' });
    try {
      let rollbacks = 0;
      db.onRollback(() => (rollbacks += 1));
      await db.write(() => db.db.exec('CREATE TABLE t (v INTEGER)'));
      expect(rollbacks).toBe(0);
      await expect(db.write(() => {
        db.db.prepare('INSERT INTO t VALUES (1)').run();
        throw new Error('refused');
      })).rejects.toThrow('refused');
      expect(rollbacks).toBe(1);
      expect(await db.read(() => db.db.prepare('SELECT count(*) AS n FROM t').get())).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('keeps at most its capacity, dropping the order kept longest ago', () => {
    const recent = new RecentOrders(2);
    recent.keep(orderWithId('a'));
    recent.keep(orderWithId('b'));
    recent.keep(orderWithId('a', 3)); // a newer version of a kept order replaces it and counts as kept last
    recent.keep(orderWithId('c'));
    expect([recent.size, recent.get('a')?.version, recent.get('b'), recent.get('c')?.version]).toEqual([2, 3, undefined, 2]);
    recent.forgetAll();
    expect(recent.size).toBe(0);
  });
});
