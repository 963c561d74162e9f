import * as E from 'fp-ts/lib/Either.js';
import type { BookId, OrderId, UserId } from './identifiers.js';
import { multiply, type Money } from './money.js';
import type { IllegalTransition } from './order-error.js';
import { allowedNextStatuses, canMove, type OrderStatus } from './order-status.js';
import type { Quantity } from './quantity.js';

/** Everything an order is, as plain data: what repositories store and rehydrate. */
export interface OrderSnapshot {
  readonly id: OrderId;
  readonly bookId: BookId;
  readonly userId: UserId;
  readonly quantity: Quantity;
  readonly unitPrice: Money;
  readonly total: Money;
  readonly status: OrderStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Starts at 1 and grows by one with every change: the basis of optimistic concurrency. */
  readonly version: number;
}

export interface NewOrder {
  readonly id: OrderId;
  readonly bookId: BookId;
  readonly userId: UserId;
  readonly quantity: Quantity;
  readonly unitPrice: Money;
  readonly now: Date;
}

/** The order aggregate. Immutable: every change returns a new Order with the next version. */
export class Order {
  private constructor(private readonly state: OrderSnapshot) {}

  /** A new order, pending until its stock is taken. */
  static create(order: NewOrder): Order {
    return new Order({
      id: order.id,
      bookId: order.bookId,
      userId: order.userId,
      quantity: order.quantity,
      unitPrice: order.unitPrice,
      total: multiply(order.unitPrice, order.quantity),
      status: 'pending',
      createdAt: order.now,
      updatedAt: order.now,
      version: 1,
    });
  }

  /** For repositories only: an order exactly as it was stored. */
  static rehydrate(snapshot: OrderSnapshot): Order {
    return new Order(snapshot);
  }

  get id(): OrderId {
    return this.state.id;
  }
  get bookId(): BookId {
    return this.state.bookId;
  }
  get userId(): UserId {
    return this.state.userId;
  }
  get quantity(): Quantity {
    return this.state.quantity;
  }
  get status(): OrderStatus {
    return this.state.status;
  }
  get version(): number {
    return this.state.version;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }

  /**
   * Moves the order along the status table. Asking for the status it already has is a successful no-op
   * (the same instance comes back, so callers can tell nothing changed); any move the table lacks is refused.
   */
  moveTo(next: OrderStatus, now: Date): E.Either<IllegalTransition, Order> {
    if (next === this.state.status) return E.right(this);
    if (!canMove(this.state.status, next)) {
      return E.left({
        _tag: 'IllegalTransition',
        orderId: this.state.id,
        from: this.state.status,
        to: next,
        allowed: allowedNextStatuses(this.state.status),
      });
    }
    return E.right(new Order({ ...this.state, status: next, updatedAt: now, version: this.state.version + 1 }));
  }

  toSnapshot(): OrderSnapshot {
    return this.state;
  }
}
