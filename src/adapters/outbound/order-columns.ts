import type { BookId, OrderId, UserId } from '../../domain/identifiers.js';
import type { Money } from '../../domain/money.js';
import { Order } from '../../domain/order.js';
import { isOrderStatus } from '../../domain/order-status.js';
import type { Quantity } from '../../domain/quantity.js';

/** The orders table of the SQL backends (SQLite and PostgreSQL share its shape). */
export const ORDER_COLUMNS =
  'id, book_id, user_id, quantity, unit_price_cents, total_cents, status, created_at, updated_at, version';

/** The same columns qualified by a table alias, for queries that join the orders table. */
export const orderColumnsOf = (alias: string): string =>
  ORDER_COLUMNS.split(', ').map((column) => `${alias}.${column}`).join(', ');

/** A row as a driver returns it: SQLite gives times as epoch milliseconds, pg gives bigint cents as strings. */
export interface OrderRow {
  id: string;
  book_id: string;
  user_id: string;
  quantity: number;
  unit_price_cents: number | string;
  total_cents: number | string;
  status: string;
  created_at: number | Date;
  updated_at: number | Date;
  version: number;
}

export function toOrder(row: OrderRow): Order {
  if (!isOrderStatus(row.status)) throw new Error(`order ${row.id} has unknown status ${row.status} in the store`);
  return Order.rehydrate({
    id: row.id as OrderId,
    bookId: row.book_id as BookId,
    userId: row.user_id as UserId,
    quantity: row.quantity as Quantity,
    unitPrice: Number(row.unit_price_cents) as Money,
    total: Number(row.total_cents) as Money,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
  });
}
