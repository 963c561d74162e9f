import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import { comesAfter, newestFirst } from '../order-list-order.js';
import { stockMoveFor } from '../stock-follows-status.js';
import type { BookStockSaga } from './book-stock-saga.js';
import { encodeStatus, FREE, holdStateOf, isMark } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';

/**
 * Orders as storage-service records. The record keeps id, book, user, status, total, quantity and creation time;
 * unit price, updatedAt and version are derived when read (see fromWireOrder), and the stock hold rides in the
 * status (see Hold). A write that moves stock goes through the book's saga; any other is one status write.
 */
export class StorageServiceOrderRepository implements OrderRepository {
  constructor(private readonly records: OrderRecords, private readonly stock: BookStockSaga) {}

  async place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    if (stockMoveFor(order.status, 'none') !== 'none') return this.stock.place(order, refused);
    return E.right((await this.records.add(order, FREE)).order);
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
      // A record in doubt is settled by its book's saga first: only the saga writes it until then.
      if (isMark(current.hold) || this.stock.inDoubt(current.order)) return this.stock.change(current, change);
      const changed = change(current.order);
      if (E.isLeft(changed)) return changed;
      if (stockMoveFor(changed.right.status, holdStateOf(current.hold)) !== 'none') {
        return this.stock.change(current, change, changed.right);
      }
      if (changed.right === current.order) return changed;
      const written = await this.records.setStatus(id, encodeStatus(changed.right.status, current.hold));
      return E.right(written.order);
    });
  }
}
