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

/**
 * The same columns as an array in `ORDER_COLUMNS` order, as SQLite returns them in raw mode: building an object
 * with ten named keys per row cost the embedded store more than finding the row did.
 */
export type OrderTuple = readonly [
  id: string, bookId: string, userId: string, quantity: number, unitPriceCents: number, totalCents: number,
  status: string, createdAt: number, updatedAt: number, version: number,
];

export const toOrder = (row: OrderRow): Order => orderOf(row.id, row.book_id, row.user_id, row.quantity,
  row.unit_price_cents, row.total_cents, row.status, row.created_at, row.updated_at, row.version);

export const tupleToOrder = (row: OrderTuple): Order =>
  orderOf(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9]);

function orderOf(id: string, bookId: string, userId: string, quantity: number, unitPriceCents: number | string,
  totalCents: number | string, status: string, createdAt: number | Date, updatedAt: number | Date, version: number): Order {
  if (!isOrderStatus(status)) throw new Error(`order ${id} has unknown status ${status} in the store`);
  return Order.rehydrate({
    id: id as OrderId,
    bookId: bookId as BookId,
    userId: userId as UserId,
    quantity: quantity as Quantity,
    unitPrice: Number(unitPriceCents) as Money,
    total: Number(totalCents) as Money,
    status,
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
    version,
  });
}
