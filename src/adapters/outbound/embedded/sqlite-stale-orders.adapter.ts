import type { Statement } from 'better-sqlite3';
import type { Order } from '../../../domain/order.js';
import type { StaleOrders } from '../../../domain/ports/stale-orders.port.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { orderColumnsOf, tupleToOrder, type OrderTuple } from '../order-columns.js';

/** Recovery's queries, on the (status, updated_at) index. */
export class SqliteStaleOrders implements StaleOrders {
  private readonly pendingBefore: Statement<[number, number], OrderTuple>;
  private readonly releasedHolding: Statement<[number, number], OrderTuple>;

  constructor(private readonly store: SqliteDatabase) {
    const columns = orderColumnsOf('o');
    this.pendingBefore = store.db.prepare<[number, number], OrderTuple>(
      `SELECT ${columns} FROM orders o WHERE o.status = 'pending' AND o.updated_at < ? ORDER BY o.updated_at LIMIT ?`,
    ).raw();
    this.releasedHolding = store.db.prepare<[number, number], OrderTuple>(
      `SELECT ${columns} FROM orders o JOIN stock_holds h ON h.order_id = o.id AND h.returned = 0
       WHERE o.status IN ('cancelled', 'rejected', 'expired') AND o.updated_at >= ? ORDER BY o.updated_at LIMIT ?`,
    ).raw();
  }

  abandonedPending(before: Date, limit: number): Promise<readonly Order[]> {
    return this.store.read(() => this.pendingBefore.all(before.getTime(), limit).map(tupleToOrder));
  }

  releasedStillHolding(since: Date, limit: number): Promise<readonly Order[]> {
    return this.store.read(() => this.releasedHolding.all(since.getTime(), limit).map(tupleToOrder));
  }
}
