import * as E from 'fp-ts/lib/Either.js';
import type { OrderId } from '../domain/identifiers.js';
import type { Order } from '../domain/order.js';
import { versionMismatch, type OrderError, type VersionMismatch } from '../domain/order-error.js';
import { releasesStock, type OrderStatus } from '../domain/order-status.js';
import type { Clock } from '../domain/ports/clock.port.js';
import { stockHoldOf, type InventoryPort } from '../domain/ports/inventory.port.js';
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
    if (command.status === 'confirmed') {
      const order = await this.orders.findById(command.orderId);
      if (order?.status === 'pending') return this.confirmPending(order, command);
    }
    const changed = await this.orders.update(command.orderId, (order) => this.move(order, command));
    // The status is stored first, then the stock goes back. Giving back is idempotent per order, so a repeated
    // cancel, or two at once, return the stock exactly once, and a cancel that crashed in between is healed by
    // asking again.
    if (E.isRight(changed) && releasesStock(changed.right.status)) await this.inventory.giveBack(stockHoldOf(changed.right));
    return changed;
  }

  /** No order is confirmed without its stock: confirming a pending order takes it first (once per order). */
  private async confirmPending(order: Order, command: ChangeOrderStatusCommand): Promise<E.Either<OrderError, Order>> {
    const stale = staleVersion(order, command);
    if (stale) return E.left(stale);
    const taken = await this.inventory.take(stockHoldOf(order));
    if (E.isLeft(taken)) return taken;
    const confirmed = await this.orders.update(order.id, (current) => this.move(current, command));
    if (E.isLeft(confirmed) || confirmed.right.status !== 'confirmed') await this.inventory.giveBack(stockHoldOf(order));
    return confirmed;
  }

  private move(order: Order, command: ChangeOrderStatusCommand): E.Either<OrderError, Order> {
    const stale = staleVersion(order, command);
    return stale ? E.left(stale) : order.moveTo(command.status, this.clock.now());
  }
}

/** The mismatch, when the command was based on another version of the order than the one given. */
const staleVersion = (order: Order, command: ChangeOrderStatusCommand): VersionMismatch | undefined =>
  command.expectedVersion !== undefined && command.expectedVersion !== order.version
    ? versionMismatch(order.id, command.expectedVersion, order.version)
    : undefined;
