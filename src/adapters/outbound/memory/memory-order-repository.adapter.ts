import * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import { Order, type OrderSnapshot } from '../../../domain/order.js';
import { orderNotFound, type OrderError } from '../../../domain/order-error.js';
import { orderChangeOf } from '../../../domain/order-event.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import { stockHoldOf } from '../../../domain/ports/inventory.port.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import { newestFirst } from '../order-list-order.js';
import { stockMoveFor } from '../stock-follows-status.js';
import { MemoryEventLog } from './memory-event-log.adapter.js';
import type { MemoryInventory } from './memory-inventory.adapter.js';

/**
 * Orders in a Map, for tests and the `memory` backend, with their stock in the MemoryInventory. Every method is
 * atomic because none awaits inside: an order, its stock and its event change in the same synchronous step. Each
 * user's list positions (and every order's, for the fulfilment queue) (id and creation time, which never change) are kept oldest first, so a new order is
 * usually appended and a page is a slice read from the end: no sort per request.
 */
export class MemoryOrderRepository implements OrderRepository {
  private readonly orders = new Map<OrderId, OrderSnapshot>();
  private readonly byUser = new Map<UserId, OrderListPosition[]>();
  private readonly byCreation: OrderListPosition[] = [];

  constructor(
    private readonly stock: MemoryInventory,
    readonly events: MemoryEventLog = new MemoryEventLog(),
  ) {}

  async place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    if (this.orders.has(order.id)) throw new Error(`order ${order.id} already exists`);
    const refusal = this.stockFor(order);
    const stored = refusal ? refused(refusal) : order;
    this.insert(stored);
    this.events.record(orderChangeOf(undefined, stored));
    return refusal ? E.left(refusal) : E.right(order);
  }

  private insert(order: Order): void {
    const snapshot = order.toSnapshot();
    this.orders.set(snapshot.id, snapshot);
    let list = this.byUser.get(snapshot.userId);
    if (!list) this.byUser.set(snapshot.userId, (list = []));
    const position = { id: snapshot.id, createdAt: snapshot.createdAt };
    list.splice(olderCount(list, position), 0, position);
    this.byCreation.splice(olderCount(this.byCreation, position), 0, position);
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    const snapshot = this.orders.get(id);
    return snapshot && Order.rehydrate(snapshot);
  }

  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    const list = this.byUser.get(userId) ?? [];
    // Everything listed after `after` is older than it: the positions before index `end`.
    const end = after ? olderCount(list, after) : list.length;
    const page: Order[] = [];
    for (let i = end - 1; i >= 0 && page.length < limit; i -= 1) page.push(Order.rehydrate(this.orders.get(list[i]!.id)!));
    return page;
  }

  async listByStatus(status: OrderStatus | undefined, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    // Everything listed after `after`, oldest first, is newer than it: the positions from index `start` on.
    const start = after ? olderCount(this.byCreation, after) : 0;
    const page: Order[] = [];
    for (let i = start; i < this.byCreation.length && page.length < limit; i += 1) {
      const snapshot = this.orders.get(this.byCreation[i]!.id)!;
      if (after && snapshot.id === after.id) continue;
      if (status === undefined || snapshot.status === status) page.push(Order.rehydrate(snapshot));
    }
    return page;
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
    if (E.isLeft(changed)) return changed;
    const refusal = this.stockFor(changed.right);
    if (refusal) return E.left(refusal);
    if (changed.right !== current) this.orders.set(id, changed.right.toSnapshot());
    this.events.record(orderChangeOf(current, changed.right));
    return changed;
  }

  /** Brings the order's stock in line with its status; the refusal, changing nothing, when it cannot take. */
  private stockFor(order: Order): StockRefusal | undefined {
    const hold = this.stock.isHolding(order.id) ? 'held' : this.stock.hasTaken(order.id) ? 'returned' : 'none';
    const move = stockMoveFor(order.status, hold);
    if (move === 'give-back') this.stock.giveBack(order.id);
    if (move !== 'take') return undefined;
    const wanted = stockHoldOf(order);
    const refusal = this.stock.refusal(wanted);
    if (!refusal) this.stock.take(wanted);
    return refusal;
  }
}

/** How many of `list` (oldest first) are older than `position`, that is, listed after it: a binary search. */
function olderCount(list: readonly OrderListPosition[], position: OrderListPosition): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (newestFirst(position, list[middle]!) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
