import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import { comesAfter, newestFirst } from '../order-list-order.js';
import { stockMoveFor } from '../stock-follows-status.js';
import type { BookStockSaga } from './book-stock-saga.js';
import { asStored, encodeStatus, FREE, holdStateOf, isMark } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';
import type { StorageServiceOutbox } from './storage-service-outbox.js';

/**
 * Orders as storage-service records. The record keeps id, book, user, status, total, quantity and creation time;
 * unit price, updatedAt and version are derived when read (see fromWireOrder), and the stock hold rides in the
 * status (see Hold). A write that moves stock goes through the book's saga; any other is one status write. Each
 * write that changes the status consumers see is announced through the outbox (see StorageServiceOutbox).
 */
export class StorageServiceOrderRepository implements OrderRepository {
  constructor(
    private readonly records: OrderRecords,
    private readonly stock: BookStockSaga,
    private readonly outbox: StorageServiceOutbox,
  ) {}

  async place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    if (stockMoveFor(order.status, 'none') !== 'none') return this.stock.place(order, refused);
    const intent = await this.outbox.intend(undefined, asStored(order), order.toSnapshot().updatedAt);
    return E.right((await this.records.add(order, FREE, order.status, intent)).order);
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    return (await this.records.read(id))?.order;
  }

  /** The storage service can only list every order: each page costs one full listing, filtered here. */
  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return (await this.records.all(userId))
      .map((entry) => entry.decode().order)
      .filter((order) => !after || comesAfter(order, after))
      .sort(newestFirst)
      .slice(0, limit);
  }

  /** The same: one full listing per page, filtered and sorted oldest first here. */
  async listByStatus(status: OrderStatus | undefined, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    return (await this.records.all())
      .map((entry) => entry.decode().order)
      .filter((order) => (status === undefined || order.status === status) && (!after || comesAfter(after, order)))
      .sort((a, b) => newestFirst(b, a))
      .slice(0, limit);
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    return this.records.exclusive(id, async () => {
      const doubtful = this.outbox.unknown(id);
      const current = await this.records.read(id);
      // An earlier write of this order whose outcome was unknown: the record now tells, before anything follows it.
      if (doubtful.length > 0) this.outbox.settle(doubtful, () => current ?? 'absent');
      if (!current) return E.left(orderNotFound(id));
      // A record in doubt is settled by its book's saga first: only the saga writes it until then.
      if (isMark(current.hold) || this.stock.inDoubt(current.order)) return this.stock.change(current, change);
      const changed = change(current.order);
      if (E.isLeft(changed)) return changed;
      if (stockMoveFor(changed.right.status, holdStateOf(current.hold)) !== 'none') {
        return this.stock.change(current, change, changed.right);
      }
      if (changed.right === current.order) return changed;
      const intent = await this.outbox.intend(current.order, asStored(changed.right), changed.right.toSnapshot().updatedAt);
      const written = await this.records.setStatus(id, encodeStatus(changed.right.status, current.hold), intent);
      return E.right(written.order);
    });
  }
}
