import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, bookId, qty } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const BOOK = bookId('b1');
const refuse = () => {
  throw new Error('a pending order takes no stock');
};

/**
 * An update that waits for another replica's lock on the order reads the order as that replica committed it, but
 * the order's hold row as it was before (PostgreSQL re-reads only the rows it locks). These tests hold the lock on
 * a connection of their own, commit the other replica's write behind it, and check the stock still comes out right.
 */
describe('PostgreSQL update behind another replica\'s lock on the order', () => {
  let database: TestDatabase;
  let backend: StorageBackend;
  let other: pg.Client;

  beforeEach(async () => {
    database = await createTestDatabase();
    backend = await openPostgresBackend({ url: database.url, poolMax: 3, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
    await backend.catalog!.seed([aBook({ id: BOOK, stock: 5 })]);
    other = new pg.Client({ connectionString: database.url });
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
    await backend.close();
    await database.drop();
  });

  const ledger = async (order: Order) => (await database.query<{ status: string; stock: number; returned: number | null }>(
    `SELECT o.status, b.stock, h.returned FROM orders o JOIN books b ON b.id = o.book_id
     LEFT JOIN stock_holds h ON h.order_id = o.id WHERE o.id = $1`, [order.id]))[0];

  /** Starts `update` while `other` holds the order's row lock, then commits `confirm` on `other` and lets it go. */
  async function behindAConfirm(order: Order, update: () => Promise<unknown>): Promise<unknown> {
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [order.id]);
    const waiting = update();
    const started = Date.now();
    for (;;) {
      const [blocked] = await database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database.name]);
      if (blocked!.n > 0) break;
      if (Date.now() - started > 5_000) throw new Error('the update never waited for the lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // What the other replica's confirm writes: the stock, its hold row, the order's new status.
    await other.query('UPDATE books SET stock = stock - $1 WHERE id = $2', [order.quantity, order.bookId]);
    await other.query('INSERT INTO stock_holds (order_id, book_id, quantity) VALUES ($1, $2, $3)', [order.id, order.bookId, order.quantity]);
    await other.query("UPDATE orders SET status = 'confirmed', version = version + 1 WHERE id = $1", [order.id]);
    await other.query('COMMIT');
    return waiting;
  }

  it('gives back what the confirm it waited for took, though it read no hold', async () => {
    const order = anOrder({ bookId: BOOK, quantity: qty(2) });
    await backend.orders.place(order, refuse);
    const cancelled = await behindAConfirm(order, () => backend.orders.update(order.id, (o) => o.moveTo('cancelled', NOW)));
    expect(E.isRight(cancelled as E.Either<unknown, Order>) && (cancelled as E.Right<Order>).right.status).toBe('cancelled');
    expect(await ledger(order)).toEqual({ status: 'cancelled', stock: 5, returned: 1 });
  });

  it('does not take again what the confirm it waited for took, though it read no hold', async () => {
    const order = anOrder({ bookId: BOOK, quantity: qty(2) });
    await backend.orders.place(order, refuse);
    const confirmedAgain = await behindAConfirm(order, () => backend.orders.update(order.id, (o) => o.moveTo('confirmed', NOW)));
    expect(E.isRight(confirmedAgain as E.Either<unknown, Order>)).toBe(true);
    expect(await ledger(order)).toEqual({ status: 'confirmed', stock: 3, returned: 0 });
  });
});
