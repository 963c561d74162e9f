import { toDecimal } from '../../../domain/money.js';
import type { Order } from '../../../domain/order.js';

/** The service's own representation: camelCase, amounts in currency units computed exactly from cents. */
export function toOrderResource(order: Order) {
  const o = order.toSnapshot();
  return {
    id: o.id,
    bookId: o.bookId,
    userId: o.userId,
    quantity: o.quantity,
    unitPrice: toDecimal(o.unitPrice),
    total: toDecimal(o.total),
    status: o.status,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    version: o.version,
  };
}

/** The AvaKart storage Order shape the Books service decodes: snake_case, `price` is the order total. */
export function toAvakartOrder(order: Order) {
  const o = order.toSnapshot();
  return {
    id: o.id,
    book_id: o.bookId,
    user_id: o.userId,
    status: o.status,
    price: toDecimal(o.total),
    quantity: o.quantity,
    created: o.createdAt.toISOString(),
  };
}
