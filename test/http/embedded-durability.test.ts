import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { SqliteDatabase } from '../../src/adapters/outbound/embedded/sqlite-database.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

type Done = (error: NodeJS.ErrnoException | null) => void;

/** A WAL flush that completes only when the test says so; `onStart` sees the store as the flush begins. */
function heldFlushes(onStart: () => unknown = () => undefined) {
  const held: { done: Done; seen: unknown }[] = [];
  const finished: unknown[] = [];
  const flushes = {
    holding: true,
    syncWal: (_fd: number, done: Done) => {
      held.push({ done, seen: onStart() });
      if (!flushes.holding) setImmediate(() => flushes.releaseAll());
    },
    finished,
    get held() {
      return held.length;
    },
    releaseAll() {
      for (const flush of held.splice(0)) {
        finished.push(flush.seen);
        flush.done(null);
      }
    },
  };
  return flushes;
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('embedded store: writes, and reads after them, answer once durable', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('answers a write and any read after it only after a flush that began after its commit', async () => {
    const flushes = heldFlushes();
    const db = SqliteDatabase.open({ dataDir: join(dir.path, 'unit'), synchronous: 'full', syncWal: flushes.syncWal });
    try {
      db.db.exec('CREATE TABLE t (v INTEGER)');
      let durable = false;
      let read: number | undefined;
      void db.write(() => db.db.prepare('INSERT INTO t VALUES (1)').run()).then(() => (durable = true));
      await turn();
      expect(flushes.held).toBe(1); // committed, its flush still held
      void db.read(() => (db.db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).then((n) => (read = n));
      await turn();
      expect([durable, read]).toEqual([false, undefined]);

      flushes.releaseAll();
      await turn();
      expect([durable, read]).toEqual([true, 1]);
    } finally {
      flushes.releaseAll();
      db.close();
    }
  });

  it('shares one read transaction among the reads of a turn, and ends it before a write or on the next turn', async () => {
    const file = join(dir.path, 'reads');
    const db = SqliteDatabase.open({ dataDir: file, synchronous: 'full' });
    const other = new Database(join(file, 'orders.sqlite3'));
    try {
      db.db.exec('CREATE TABLE t (v INTEGER)');
      await db.write(() => db.db.prepare('INSERT INTO t VALUES (1)').run());
      const count = () => (db.db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

      const first = db.read(count);
      expect(db.db.inTransaction).toBe(true); // the read's transaction stays open for the rest of the turn
      const second = db.read(count);
      const written = db.write(() => db.db.prepare('INSERT INTO t VALUES (2)').run());
      const third = db.read(count); // inside the write's transaction: it sees the write, and waits for it
      expect(await Promise.all([first, second, third])).toEqual([1, 1, 2]);
      await written;
      await turn();
      expect(db.db.inTransaction).toBe(false);
      // No snapshot is left held: another connection can write and checkpoint the whole WAL.
      other.prepare('INSERT INTO t VALUES (3)').run();
      expect(other.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
      expect(await db.read(count)).toBe(3);
    } finally {
      other.close();
      db.close();
    }
  });

  it('answers POST /orders only after a flush that began once the order was confirmed has completed', async () => {
    const dataDir = join(dir.path, 'http');
    let reader: Database.Database | undefined;
    const statusOf = () => {
      reader ??= new Database(join(dataDir, 'orders.sqlite3'), { readonly: true });
      return (reader.prepare("SELECT status FROM orders WHERE user_id = 'dur'").get() as { status: string } | undefined)?.status;
    };
    const flushes = heldFlushes(statusOf);
    flushes.holding = false; // start-up (seeding the demo catalog) flushes freely
    const service = await startTestService({}, { backend: openEmbeddedBackend({ dataDir, synchronous: 'full', syncWal: flushes.syncWal }) });
    try {
      flushes.holding = true;
      let answered = false;
      const placing = request(service.url, 'POST', '/orders', { bookId: 'b1', userId: 'dur', quantity: 1 })
        .finally(() => (answered = true));
      for (let i = 0; i < 50 && statusOf() !== 'confirmed'; i += 1) {
        await turn();
        expect(answered).toBe(false);
        // Flushes that began before the order was stored are let through; the one after it is held.
        if (statusOf() !== 'confirmed') flushes.releaseAll();
      }
      expect(statusOf()).toBe('confirmed');
      await turn();
      expect(answered).toBe(false); // confirmed and committed, not yet known durable: no answer yet

      flushes.releaseAll();
      const placed = await placing;
      expect(placed.status).toBe(201);
      expect(flushes.finished).toContain('confirmed');
    } finally {
      flushes.holding = false;
      flushes.releaseAll();
      reader?.close();
      await service.stop();
    }
  });
});
