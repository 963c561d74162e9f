import type { Either } from 'fp-ts/lib/Either.js';
import type { BookId, OrderId } from '../identifiers.js';
import type { Money } from '../money.js';
import type { Order } from '../order.js';
import type { BookNotFound, InsufficientStock } from '../order-error.js';
import type { Quantity } from '../quantity.js';

export interface Book {
  readonly id: BookId;
  readonly title: string;
  readonly author: string;
  readonly price: Money;
  /** Copies on hand, never negative. */
  readonly stock: number;
}

/** Stock taken for one order. The order id makes taking and giving back idempotent. */
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

export interface InventoryPort {
  findBook(id: BookId): Promise<Book | undefined>;

  /**
   * Takes the hold's quantity from stock, all or nothing, never below zero. Taking again for the same order
   * succeeds without taking twice.
   */
  take(hold: StockHold): Promise<Either<BookNotFound | InsufficientStock, void>>;

  /** Puts back what `take` took for this order, exactly once; a no-op when nothing was taken or it is already back. */
  giveBack(hold: StockHold): Promise<void>;
}
