import type { BookId, OrderId, UserId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import { Order } from '../../../domain/order.js';
import { isOrderStatus } from '../../../domain/order-status.js';
import type { Quantity } from '../../../domain/quantity.js';

export interface OrderRow {
  id: string;
  book_id: string;
  user_id: string;
  quantity: number;
  /** bigint columns arrive as strings. */
  unit_price_cents: string;
  total_cents: string;
  status: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export const ORDER_COLUMNS =
  'id, book_id, user_id, quantity, unit_price_cents, total_cents, status, created_at, updated_at, version';

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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  });
}
