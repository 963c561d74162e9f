import type { OrderListPosition } from '../../domain/ports/order-repository.port.js';

interface Positioned {
  readonly createdAt: Date;
  readonly id: string;
}

/** Newest first; orders created in the same millisecond are ordered by id, descending. */
export const newestFirst = (a: Positioned, b: Positioned): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** True when `order` is listed after `position` in newest-first order. */
export const comesAfter = (order: Positioned, position: OrderListPosition): boolean => newestFirst(position, order) < 0;
