import type { Order } from '../../../domain/order.js';
import type { StaleOrders } from '../../../domain/ports/stale-orders.port.js';
import type { PostgresDatabase } from './postgres-database.js';
import { orderColumnsOf, toOrder, type OrderRow } from '../order-columns.js';

const COLUMNS = orderColumnsOf('o');

/** Recovery's queries, on the (status, updated_at) index; any replica may run them, settling is idempotent. */
export class PostgresStaleOrders implements StaleOrders {
  constructor(private readonly db: PostgresDatabase) {}

  async abandonedPending(before: Date, limit: number): Promise<readonly Order[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders o WHERE o.status = 'pending' AND o.updated_at < $1 ORDER BY o.updated_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toOrder);
  }

  async releasedStillHolding(since: Date, limit: number): Promise<readonly Order[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders o JOIN stock_holds h ON h.order_id = o.id AND h.returned = 0
       WHERE o.status IN ('cancelled', 'rejected', 'expired') AND o.updated_at >= $1 ORDER BY o.updated_at LIMIT $2`,
      [since, limit],
    );
    return rows.map(toOrder);
  }
}
