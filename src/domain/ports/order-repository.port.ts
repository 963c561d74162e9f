import type { Either } from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../identifiers.js';
import type { Order } from '../order.js';
import type { OrderError } from '../order-error.js';

/** A position in a user's order list: the last order of the previous page. Newest first, ties broken by id. */
export interface OrderListPosition {
  readonly createdAt: Date;
  readonly id: OrderId;
}

/** A change to one order: pure and synchronous, so a repository may run it again after a conflicting write. */
export type OrderChange = (order: Order) => Either<OrderError, Order>;

/**
 * Where orders live. Adapters reject with DependencyFailure (application layer) when their store is unreachable;
 * every expected outcome comes back as a value.
 */
export interface OrderRepository {
  /** Records a new order. Ids are unique by construction; adding an existing id is a bug and throws. */
  add(order: Order): Promise<void>;

  findById(id: OrderId): Promise<Order | undefined>;

  /** Up to `limit` orders of the user, newest first, strictly after `after` when given. */
  listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]>;

  /**
   * Applies `change` to the stored order atomically: either the change is computed on the latest version and
   * stored, or nothing is written. When `change` returns the order it was given, nothing is written.
   * Left(OrderNotFound) when there is no such order.
   */
  update(id: OrderId, change: OrderChange): Promise<Either<OrderError, Order>>;
}
