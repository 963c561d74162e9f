import * as E from 'fp-ts/lib/Either.js';
import type { OrderId } from '../domain/identifiers.js';
import type { Order } from '../domain/order.js';
import { versionMismatch, type OrderError } from '../domain/order-error.js';
import { releasesStock, type OrderStatus } from '../domain/order-status.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { InventoryPort } from '../domain/ports/inventory.port.js';
import type { OrderRepository } from '../domain/ports/order-repository.port.js';

export interface ChangeOrderStatusCommand {
  readonly orderId: OrderId;
  readonly status: OrderStatus;
  /** When set, the change applies only to this version of the order. */
  readonly expectedVersion?: number;
}

export class ChangeOrderStatus {
  constructor(
    private readonly orders: OrderRepository,
    private readonly inventory: InventoryPort,
    private readonly clock: Clock,
  ) {}

  async execute(command: ChangeOrderStatusCommand): Promise<E.Either<OrderError, Order>> {
    const changed = await this.orders.update(command.orderId, (order) =>
      command.expectedVersion !== undefined && command.expectedVersion !== order.version
        ? E.left(versionMismatch(order.id, command.expectedVersion, order.version))
        : order.moveTo(command.status, this.clock.now()),
    );
    // The status is stored first, then the stock goes back. Giving back is idempotent per order, so a repeated
    // cancel, or two at once, return the stock exactly once, and a cancel that crashed in between is healed by
    // asking again.
    if (E.isRight(changed) && releasesStock(changed.right.status)) {
      const order = changed.right;
      await this.inventory.giveBack({ orderId: order.id, bookId: order.bookId, quantity: order.quantity });
    }
    return changed;
  }
}
