import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type { OrderChange, OrderListPosition, OrderRepository } from '../../../domain/ports/order-repository.port.js';
import type { PostgresDatabase } from './postgres-database.js';
import { ORDER_COLUMNS as COLUMNS, toOrder, type OrderRow } from '../order-columns.js';

// Both list queries walk orders_by_user (user_id, created_at DESC, id DESC) in index order: no sort, and a page
// costs its own size whatever the user's history (see the EXPLAIN check in test/postgres).
const FIRST_PAGE = `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 AND (created_at, id) < ($3, $4)
  ORDER BY created_at DESC, id DESC LIMIT $2`;

export class PostgresOrderRepository implements OrderRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async add(order: Order): Promise<void> {
    const o = order.toSnapshot();
    await this.db.transaction((sql) =>
      sql.query(`INSERT INTO orders (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
        o.id, o.bookId, o.userId, o.quantity, o.unitPrice, o.total, o.status, o.createdAt, o.updatedAt, o.version,
      ]),
    );
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    const { rows } = await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id]);
    return rows[0] && toOrder(rows[0]);
  }

  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    const { rows } = after
      ? await this.db.query<OrderRow>(PAGE_AFTER, [userId, limit, after.createdAt, after.id])
      : await this.db.query<OrderRow>(FIRST_PAGE, [userId, limit]);
    return rows.map(toOrder);
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    // The row lock holds off every other replica's change to this order until commit, so `change` always sees
    // the latest version; the version guard in the UPDATE states that and costs nothing.
    return this.db.transaction(async (sql) => {
      const { rows } = await sql.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
      if (!rows[0]) return E.left(orderNotFound(id));
      const current = toOrder(rows[0]);
      const changed = change(current);
      if (E.isRight(changed) && changed.right !== current) {
        const next = changed.right.toSnapshot();
        const written = await sql.query(
          'UPDATE orders SET status = $1, updated_at = $2, version = $3 WHERE id = $4 AND version = $5',
          [next.status, next.updatedAt, next.version, id, current.version],
        );
        if (written.rowCount !== 1) throw new Error(`order ${id} changed under a row lock`);
      }
      return changed;
    }, E.isRight);
  }
}
