import { toDecimal } from '../../../domain/money.js';
import type { Order } from '../../../domain/order.js';

/**
 * Date.toISOString, remembering the last millisecond it formatted: under load many orders are created (and read)
 * in the same one, and formatting was most of the cost of a view. One per field, so they do not evict each other.
 */
export function lastFormatted(): (date: Date) => string {
  let formattedAt = NaN;
  let formatted = '';
  return (date) => {
    const at = date.getTime();
    if (at !== formattedAt) {
      formattedAt = at;
      formatted = date.toISOString();
    }
    return formatted;
  };
}
const createdIso = lastFormatted();
const updatedIso = lastFormatted();

/**
 * A view of an order as JSON text, rendered once per Order instance. Orders are immutable, so the text of an instance
 * never goes stale. Stores that keep instances (the embedded store's recent orders, the memory store) hand the same
 * one to every read of an unchanged order, and its event and its answer are rendered from the same one: after the
 * first, a client polling its order costs neither the view nor JSON.stringify. The texts go with their orders (the
 * map holds them weakly).
 */
function renderedOnce(view: (order: Order) => object): (order: Order) => string {
  const texts = new WeakMap<Order, string>();
  return (order) => {
    let text = texts.get(order);
    if (text === undefined) texts.set(order, (text = JSON.stringify(view(order))));
    return text;
  };
}

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
    createdAt: createdIso(o.createdAt),
    updatedAt: updatedIso(o.updatedAt),
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
    created: createdIso(o.createdAt),
  };
}

/** toOrderResource as JSON text (see renderedOnce). */
export const orderResourceJson = renderedOnce(toOrderResource);

/** toAvakartOrder as JSON text (see renderedOnce). */
export const avakartOrderJson = renderedOnce(toAvakartOrder);
