import * as E from 'fp-ts/lib/Either.js';
import type { OrderId } from '../domain/identifiers.js';
import type { Order } from '../domain/order.js';
import { versionMismatch, type OrderError } from '../domain/order-error.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { OrderRepository } from '../domain/ports/order-repository.port.js';

export interface ChangeOrderStatusCommand {
  readonly orderId: OrderId;
  readonly status: OrderStatus;
  /** When set, the change applies only to this version of the order. */
  readonly expectedVersion?: number;
}

/**
 * Moves an order along the status table in one write of the repository, which takes or gives back its stock with
 * the status: confirming a pending order takes its stock, cancelling gives it back, exactly once. Asking for the
 * status the order already has changes nothing.
 */
export class ChangeOrderStatus {
  constructor(
    private readonly orders: OrderRepository,
    private readonly clock: Clock,
  ) {}

  execute(command: ChangeOrderStatusCommand): Promise<E.Either<OrderError, Order>> {
    return this.orders.update(command.orderId, (order) =>
      command.expectedVersion !== undefined && command.expectedVersion !== order.version
        ? E.left(versionMismatch(order.id, command.expectedVersion, order.version))
        : order.moveTo(command.status, this.clock.now()));
  }
}
