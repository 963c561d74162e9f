import type { BookId, OrderId } from '../identifiers.js';
import type { Money } from '../money.js';
import type { Order } from '../order.js';
import type { Quantity } from '../quantity.js';

export interface Book {
  readonly id: BookId;
  readonly title: string;
  readonly author: string;
  readonly price: Money;
  /** Copies on hand, never negative. */
  readonly stock: number;
}

/** Stock taken for one order, keyed by the order id: what makes taking and giving back exactly-once in a store. */
export interface StockHold {
  readonly orderId: OrderId;
  readonly bookId: BookId;
  readonly quantity: Quantity;
}

export const stockHoldOf = (order: Order): StockHold => ({
  orderId: order.id,
  bookId: order.bookId,
  quantity: order.quantity,
});

/**
 * The catalog as the use cases read it. Stock is changed only together with the orders that hold it, through the
 * OrderRepository.
 */
export interface InventoryPort {
  findBook(id: BookId): Promise<Book | undefined>;
}
