import type { OrderStatus } from '../domain/order-status.js';
import type { OrderListPosition, OrderRepository } from '../domain/ports/order-repository.port.js';
import { MAX_PAGE_SIZE, pageOf, type OrderPage } from './list-user-orders.use-case.js';
import { pageSize } from './paging.js';

export interface ListOrderQueueQuery {
  /** Absent: orders in every status. */
  readonly status?: OrderStatus;
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  readonly after?: OrderListPosition;
}

/**
 * The fulfilment queue: the orders in a status, oldest first, a page at a time, as a warehouse works through
 * `confirmed` ones. Keyed by position (created, id), so orders placed while a client pages are found at the end.
 */
export class ListOrderQueue {
  constructor(private readonly orders: OrderRepository) {}

  async execute(query: ListOrderQueueQuery): Promise<OrderPage> {
    const limit = pageSize(query.limit, MAX_PAGE_SIZE);
    return pageOf(await this.orders.listByStatus(query.status, limit + 1, query.after), limit);
  }
}
