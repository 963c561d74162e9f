import type { UserId } from '../domain/identifiers.js';
import type { Order } from '../domain/order.js';
import type { OrderListPosition, OrderRepository } from '../domain/ports/order-repository.port.js';
import { pageFrom, pageSize } from './paging.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface ListUserOrdersQuery {
  readonly userId: UserId;
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  readonly after?: OrderListPosition;
}

export interface OrderPage {
  readonly orders: readonly Order[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: OrderListPosition;
}

/**
 * A user's orders, newest first, a page at a time. Pages are keyed by position (created, id), not by offset,
 * so orders placed while a client pages through neither repeat nor vanish from the pages it has yet to read.
 */
export class ListUserOrders {
  constructor(private readonly orders: OrderRepository) {}

  async execute(query: ListUserOrdersQuery): Promise<OrderPage> {
    const limit = pageSize(query.limit, MAX_PAGE_SIZE);
    return pageOf(await this.orders.listByUser(query.userId, limit + 1, query.after), limit);
  }
}

/** A page from `limit + 1` orders read: the extra one only says that another page follows. */
export function pageOf(found: readonly Order[], limit: number): OrderPage {
  const { items, next } = pageFrom(found, limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
  return { orders: items, ...(next ? { next } : {}) };
}
