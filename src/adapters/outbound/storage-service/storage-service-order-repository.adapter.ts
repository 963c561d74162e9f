import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type { OrderChange, OrderListPosition, OrderRepository } from '../../../domain/ports/order-repository.port.js';
import { comesAfter, newestFirst } from '../order-list-order.js';
import { FREE } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';

/**
 * Orders as storage-service records. The record keeps id, book, user, status, total, quantity and creation time;
 * unit price, updatedAt and version are derived when read (see fromWireOrder), and the stock hold rides in the
 * status (see Hold).
 */
export class StorageServiceOrderRepository implements OrderRepository {
  constructor(private readonly records: OrderRecords) {}

  add(order: Order): Promise<void> {
    return this.records.exclusive(order.id, () => this.records.add(order, FREE));
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    return (await this.records.read(id))?.order;
  }

  /** The storage service can only list every order: each page costs one full listing, filtered here. */
  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return (await this.records.all())
      .filter((entry) => entry.userId === userId)
      .map((entry) => entry.decode().order)
      .filter((order) => !after || comesAfter(order, after))
      .sort(newestFirst)
      .slice(0, limit);
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    return this.records.exclusive(id, async () => {
      const current = await this.records.read(id);
      if (!current) return E.left(orderNotFound(id));
      const changed = change(current.order);
      if (E.isLeft(changed) || changed.right === current.order) return changed;
      // The hold is carried over as it is: moving the status never takes or returns stock by itself.
      const written = await this.records.write(current, changed.right.status, current.hold);
      return E.right(written.order);
    });
  }
}
