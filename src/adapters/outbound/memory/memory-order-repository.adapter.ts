import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import { Order, type OrderSnapshot } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type { OrderChange, OrderListPosition, OrderRepository } from '../../../domain/ports/order-repository.port.js';
import { comesAfter, newestFirst } from '../order-list-order.js';

/** Orders in a Map, for tests and the `memory` backend. Every method is atomic because none awaits inside. */
export class MemoryOrderRepository implements OrderRepository {
  private readonly orders = new Map<OrderId, OrderSnapshot>();
  private readonly byUser = new Map<UserId, OrderSnapshot[]>();

  async add(order: Order): Promise<void> {
    const snapshot = order.toSnapshot();
    if (this.orders.has(snapshot.id)) throw new Error(`order ${snapshot.id} already exists`);
    this.orders.set(snapshot.id, snapshot);
    const list = this.byUser.get(snapshot.userId) ?? [];
    list.push(snapshot);
    this.byUser.set(snapshot.userId, list);
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    const snapshot = this.orders.get(id);
    return snapshot && Order.rehydrate(snapshot);
  }

  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return (this.byUser.get(userId) ?? [])
      .map((snapshot) => this.orders.get(snapshot.id)!)
      .filter((snapshot) => !after || comesAfter(snapshot, after))
      .sort(newestFirst)
      .slice(0, limit)
      .map(Order.rehydrate);
  }

  /** Every stored order, for the memory backend's recovery queries. */
  all(): readonly Order[] {
    return [...this.orders.values()].map(Order.rehydrate);
  }

  async update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    const snapshot = this.orders.get(id);
    if (!snapshot) return E.left(orderNotFound(id));
    const current = Order.rehydrate(snapshot);
    const changed = change(current);
    if (E.isRight(changed) && changed.right !== current) this.orders.set(id, changed.right.toSnapshot());
    return changed;
  }
}
