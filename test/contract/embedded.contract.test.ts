import { fdatasync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder } from '../support/order-mother.js';
import { tempDir } from '../support/temp-dir.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';
import { orderEventsContract } from './order-events.contract.js';
import { catalogContract } from './catalog.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { orderStockContract } from './order-stock.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';

const embedded: BackendFactory = {
  name: 'embedded (SQLite)',
  keepsAllFields: true,
  async open(books) {
    const dir = tempDir();
    const open = () => openEmbeddedBackend({ dataDir: dir.path, synchronous: 'full' });
    let backend = open();
    await backend.catalog!.seed(books);
    const under: BackendUnderTest = {
      ...backend,
      // The row as a crashed older version would have left it, seen by the next start: the store is a file owned by
      // one process, so it is written while no service has it open.
      interruptRelease: async (id, at) => {
        await backend.close();
        const side = new Database(join(dir.path, 'orders.sqlite3'));
        try {
          side.prepare("UPDATE orders SET status = 'cancelled', updated_at = ?, version = version + 1 WHERE id = ?").run(at.getTime(), id);
        } finally {
          side.close();
        }
        backend = open();
        const { close: _closedByUnder, ...ports } = backend;
        Object.assign(under, ports);
      },
      close: async () => {
        await backend.close();
        dir.remove();
      },
    };
    return under;
  },
};

orderRepositoryContract(embedded);
orderStockContract(embedded);
staleOrdersContract(embedded);
orderEventsContract(embedded);

describe('embedded event log: an event is handed out only once its commit is on disk', () => {
  type Done = (error: NodeJS.ErrnoException | null) => void;
  const dir = tempDir();
  afterAll(() => dir.remove());

  /** The backend with its WAL flushes held back while `holding`; `release` completes them, or fails them. */
  async function withHeldFlushes(name: string) {
    const held: Done[] = [];
    const flushes = { holding: false, release: (error: NodeJS.ErrnoException | null = null) => held.splice(0).forEach((done) => done(error)) };
    const backend = openEmbeddedBackend({
      dataDir: join(dir.path, name),
      synchronous: 'full',
      syncWal: (fd, done) => (flushes.holding ? held.push(done) : fdatasync(fd, done)),
    });
    await backend.catalog!.seed([aBook({ stock: 10 })]);
    flushes.holding = true;
    return { backend, flushes, held };
  }
  const confirmed = (order: Order) => (order.moveTo('confirmed', new Date()) as E.Right<Order>).right;
  const rejected = (order: Order) => (order.moveTo('rejected', new Date()) as E.Right<Order>).right;

  it('keeps a committed event from the feed, the relay and long-polls until its flush completes, then wakes them at once', async () => {
    const { backend, flushes, held } = await withHeldFlushes('held');
    try {
      const start = await backend.events.read(undefined, 10);
      if (start.kind !== 'page') throw new Error(start.kind);
      let wokenAt = 0;
      const woken = backend.events.waitForEvents(start.next, 5_000).then(() => (wokenAt = Date.now()));
      const order = anOrder();
      let answered = false;
      const placing = backend.orders.place(confirmed(order), () => rejected(order)).then(() => (answered = true));
      const settled: string[] = [];
      const feed = backend.events.read(start.next, 10).finally(() => settled.push('feed'));
      const relay = backend.events.unpublished(10).finally(() => settled.push('relay'));
      await sleep(50);
      expect(held.length).toBeGreaterThan(0); // committed, the flush not yet done
      expect({ answered, settled, wokenAt }).toEqual({ answered: false, settled: [], wokenAt: 0 });

      const releasedAt = Date.now();
      flushes.holding = false;
      flushes.release();
      await Promise.all([placing, woken]);
      expect(wokenAt - releasedAt).toBeLessThan(50);
      const [page, unpublished] = await Promise.all([feed, relay]);
      expect(page.kind === 'page' && page.events.map((e) => e.id)).toEqual([`${order.id}.2`]);
      expect(unpublished.map((e) => e.id)).toEqual([`${order.id}.2`]);
    } finally {
      flushes.holding = false;
      flushes.release();
      await backend.close();
    }
  });

  it('answers a read that saw an event whose flush then fails with the failure, never with the event', async () => {
    const { backend, flushes } = await withHeldFlushes('failing');
    try {
      const order = anOrder();
      const placing = backend.orders.place(confirmed(order), () => rejected(order));
      const feed = backend.events.read(undefined, 10);
      await sleep(30);
      flushes.release(Object.assign(new Error('EIO'), { code: 'EIO' }));
      await expect(placing).rejects.toBeInstanceOf(DependencyFailure);
      await expect(feed).rejects.toBeInstanceOf(DependencyFailure);
    } finally {
      flushes.holding = false;
      await backend.close();
    }
  });
});
catalogContract(embedded);
