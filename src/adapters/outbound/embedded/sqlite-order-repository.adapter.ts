import type { Statement } from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { SqliteStockLedger } from './sqlite-stock-ledger.js';
import { ORDER_COLUMNS, toOrder, type OrderRow } from '../order-columns.js';

/** Orders and their stock in one SQLite write each: every method's writes share a savepoint and a commit. */
export class SqliteOrderRepository implements OrderRepository {
  private readonly stock: SqliteStockLedger;
  private readonly insert: Statement;
  private readonly selectById: Statement<[string], OrderRow>;
  private readonly selectFirstPage: Statement<[string, number], OrderRow>;
  private readonly selectPageAfter: Statement<[string, number, number, string, number], OrderRow>;
  private readonly updateIfVersion: Statement;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.stock = new SqliteStockLedger(store);
    this.insert = db.prepare(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectById = db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ?`);
    this.selectFirstPage = db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.selectPageAfter = db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.updateIfVersion = db.prepare(
      'UPDATE orders SET status = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?',
    );
  }

  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    return this.store.write(() => {
      const refusal = this.stock.follow(order);
      this.insertRow(refusal ? refused(refusal) : order);
      return refusal ? E.left(refusal) : E.right(order);
    });
  }

  findById(id: OrderId): Promise<Order | undefined> {
    return this.store.read(() => {
      const row = this.selectById.get(id);
      return row && toOrder(row);
    });
  }

  listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return this.store.read(() => {
      const rows = after
        ? this.selectPageAfter.all(userId, after.createdAt.getTime(), after.createdAt.getTime(), after.id, limit)
        : this.selectFirstPage.all(userId, limit);
      return rows.map(toOrder);
    });
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    // Read, change and write inside one write: nothing else runs in between, and the version guard states it.
    return this.store.write(() => {
      const row = this.selectById.get(id);
      if (!row) return E.left(orderNotFound(id));
      const current = toOrder(row);
      const changed = change(current);
      if (E.isLeft(changed)) return changed;
      const refusal = this.stock.follow(changed.right);
      if (refusal) return E.left(refusal);
      if (changed.right !== current) {
        const next = changed.right.toSnapshot();
        const written = this.updateIfVersion.run(next.status, next.updatedAt.getTime(), next.version, id, current.version);
        if (written.changes !== 1) throw new Error(`order ${id} changed under an exclusive write`);
      }
      return changed;
    });
  }

  private insertRow(order: Order): void {
    const o = order.toSnapshot();
    this.insert.run(o.id, o.bookId, o.userId, o.quantity, o.unitPrice, o.total, o.status,
      o.createdAt.getTime(), o.updatedAt.getTime(), o.version);
  }
}
