import type { Either } from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../identifiers.js';
import type { Order } from '../order.js';
import type { BookNotFound, InsufficientStock, OrderError } from '../order-error.js';
import type { OrderStatus } from '../order-status.js';

/** A position in a user's order list: the last order of the previous page. Newest first, ties broken by id. */
export interface OrderListPosition {
  readonly createdAt: Date;
  readonly id: OrderId;
}

/** A change to one order: pure and synchronous, so a repository may run it again after a conflicting write. */
export type OrderChange = (order: Order) => Either<OrderError, Order>;

/** Why an order's stock could not be taken. */
export type StockRefusal = BookNotFound | InsufficientStock;

/**
 * Where orders live, together with the stock they hold: every write of an order brings the stock it holds in line
 * with its status (see `holdsStock`) in the same atomic write, so no order holds stock its status does not account
 * for, and no status claims stock that was not taken. The same write records the change's event (see
 * `orderChangeOf`), so an event exists if and only if its change was committed. How atomic is the adapter's business: one transaction where
 * the store has them, a recoverable saga where it has not.
 *
 * Adapters reject with DependencyFailure (application layer) when their store is unreachable; every expected
 * outcome comes back as a value.
 */
export interface OrderRepository {
  /**
   * Stores a new order with the stock its status holds: a confirmed order's quantity leaves the book's stock in the
   * same write. When that stock is not there, `refused(reason)` (an order that holds none) is stored instead and
   * Left(reason) comes back. Ids are unique by construction; placing an existing id is a bug and throws.
   */
  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<Either<StockRefusal, Order>>;

  findById(id: OrderId): Promise<Order | undefined>;

  /** Up to `limit` orders of the user, newest first, strictly after `after` when given. */
  listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]>;

  /**
   * The fulfilment queue: up to `limit` orders in `status` (any status when absent), oldest first (created, then
   * id), strictly after `after` when given. Stores with indexes walk one; none sorts or scans every order.
   */
  listByStatus(status: OrderStatus | undefined, limit: number, after?: OrderListPosition): Promise<readonly Order[]>;

  /**
   * Applies `change` to the stored order atomically: either the change is computed on the latest version and
   * stored, or nothing is written. The order's stock follows its new status in the same write: moving into a status
   * that holds stock takes it (Left(StockRefusal), nothing written, when it is not there); moving into one that holds
   * none gives back what the order took, exactly once. When `change` returns the order it was given, the order is
   * not written, but its stock is still brought in line with its status: asking again finishes a give-back that a
   * store without transactions was interrupted in. Left(OrderNotFound) when there is no such order.
   */
  update(id: OrderId, change: OrderChange): Promise<Either<OrderError, Order>>;
}
