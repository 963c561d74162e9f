import type { Statement } from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import { orderChangeOf } from '../../../domain/order-event.js';
import { ORDER_STATUSES, type OrderStatus } from '../../../domain/order-status.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteEventLog } from './sqlite-event-log.adapter.js';
import { SqliteStockLedger } from './sqlite-stock-ledger.js';
import { RecentOrders } from './recent-orders.js';
import { ORDER_COLUMNS, tupleToOrder, type OrderTuple } from '../order-columns.js';

/** How many of the orders last read or written a get finds without a statement (about 1 MiB). */
const RECENT_ORDERS = 2048;

/**
 * Orders, their stock and their events in one SQLite write each: every method's writes share a savepoint and a
 * commit, so an event exists if and only if its change was committed.
 */
export class SqliteOrderRepository implements OrderRepository {
  private readonly stock: SqliteStockLedger;
  private readonly recent = new RecentOrders(RECENT_ORDERS);
  private readonly insert: Statement;
  private readonly selectById: Statement<[string], OrderTuple>;
  private readonly selectFirstPage: Statement<[string, number], OrderTuple>;
  private readonly selectPageAfter: Statement<[string, number, number, string, number], OrderTuple>;
  private readonly updateIfVersion: Statement;
  /** The fulfilment queue, by [in a status][after a position]. */
  private readonly queue: ReadonlyArray<readonly [Statement<unknown[], OrderTuple>, Statement<unknown[], OrderTuple>]>;

  constructor(private readonly store: SqliteDatabase, private readonly events: SqliteEventLog) {
    const db = store.db;
    this.stock = new SqliteStockLedger(store);
    this.insert = db.prepare(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    // Raw statements: rows as arrays in ORDER_COLUMNS order (see OrderTuple).
    this.selectById = db.prepare<[string], OrderTuple>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ?`).raw();
    this.selectFirstPage = db.prepare<[string, number], OrderTuple>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).raw();
    this.selectPageAfter = db.prepare<[string, number, number, string, number], OrderTuple>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).raw();
    // One walk of orders_queue_by_status per status, merged when the queue asks for every status: no scan or sort
    // of all orders, and no second index for every placement to maintain.
    const walk = (status: string, after: boolean) => `SELECT * FROM (SELECT ${ORDER_COLUMNS} FROM orders WHERE status = ${status}
       ${after ? 'AND (created_at > @at OR (created_at = @at AND id > @id))' : ''} ORDER BY created_at, id LIMIT @limit)`;
    const queue = (inStatus: boolean, after: boolean) => db.prepare<unknown[], OrderTuple>(inStatus
      ? walk('@status', after)
      : `SELECT * FROM (${ORDER_STATUSES.map((status) => walk(`'${status}'`, after)).join(' UNION ALL ')}) ORDER BY created_at, id LIMIT @limit`).raw();
    this.queue = [[queue(false, false), queue(false, true)], [queue(true, false), queue(true, true)]];
    this.updateIfVersion = db.prepare(
      'UPDATE orders SET status = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?',
    );
    store.onRollback(() => this.recent.forgetAll());
  }

  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    return this.store.write(() => {
      const refusal = this.stock.follow(order);
      const stored = refusal ? refused(refusal) : order;
      this.insertRow(stored);
      this.events.record(orderChangeOf(undefined, stored));
      this.recent.keep(stored);
      return refusal ? E.left(refusal) : E.right(order);
    });
  }

  findById(id: OrderId): Promise<Order | undefined> {
    const known = this.recent.get(id);
    if (known) return this.store.shown(known);
    return this.store.read(() => {
      const row = this.selectById.get(id);
      if (!row) return undefined;
      const order = tupleToOrder(row);
      this.recent.keep(order);
      return order;
    });
  }

  listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return this.store.read(() => {
      const rows = after
        ? this.selectPageAfter.all(userId, after.createdAt.getTime(), after.createdAt.getTime(), after.id, limit)
        : this.selectFirstPage.all(userId, limit);
      return rows.map(tupleToOrder);
    });
  }

  listByStatus(status: OrderStatus | undefined, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return this.store.read(() => {
      const statement = this.queue[status === undefined ? 0 : 1]![after ? 1 : 0]!;
      const at = after?.createdAt.getTime();
      return statement.all({ limit, ...(status === undefined ? {} : { status }), ...(after ? { at, id: after.id } : {}) }).map(tupleToOrder);
    });
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    // Read, change and write inside one write: nothing else runs in between, and the version guard states it.
    return this.store.write(() => {
      const row = this.selectById.get(id);
      if (!row) return E.left(orderNotFound(id));
      const current = tupleToOrder(row);
      const changed = change(current);
      if (E.isLeft(changed)) return changed;
      const refusal = this.stock.follow(changed.right);
      if (refusal) return E.left(refusal);
      if (changed.right !== current) {
        const next = changed.right.toSnapshot();
        const written = this.updateIfVersion.run(next.status, next.updatedAt.getTime(), next.version, id, current.version);
        if (written.changes !== 1) throw new Error(`order ${id} changed under an exclusive write`);
        this.events.record(orderChangeOf(current, changed.right));
        this.recent.keep(changed.right);
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
