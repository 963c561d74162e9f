import type { BookId, OrderId } from './identifiers.js';
import type { OrderStatus } from './order-status.js';

/** Every expected failure of the domain and the use cases, tagged so each one maps to exactly one answer. */
export type OrderError = BookNotFound | InsufficientStock | OrderNotFound | IllegalTransition | VersionMismatch;

export interface BookNotFound {
  readonly _tag: 'BookNotFound';
  readonly bookId: BookId;
}

export interface InsufficientStock {
  readonly _tag: 'InsufficientStock';
  readonly bookId: BookId;
  readonly requested: number;
  readonly available: number;
  /** Set when the order was recorded (as rejected) before the stock ran out under it. */
  readonly orderId?: OrderId;
}

export interface OrderNotFound {
  readonly _tag: 'OrderNotFound';
  readonly orderId: OrderId;
}

export interface IllegalTransition {
  readonly _tag: 'IllegalTransition';
  readonly orderId: OrderId;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  readonly allowed: readonly OrderStatus[];
}

export interface VersionMismatch {
  readonly _tag: 'VersionMismatch';
  readonly orderId: OrderId;
  readonly expected: number;
  readonly actual: number;
}

export const bookNotFound = (bookId: BookId): BookNotFound => ({ _tag: 'BookNotFound', bookId });

export const insufficientStock = (
  bookId: BookId,
  requested: number,
  available: number,
  orderId?: OrderId,
): InsufficientStock => ({ _tag: 'InsufficientStock', bookId, requested, available, ...(orderId ? { orderId } : {}) });

export const orderNotFound = (orderId: OrderId): OrderNotFound => ({ _tag: 'OrderNotFound', orderId });

export const versionMismatch = (orderId: OrderId, expected: number, actual: number): VersionMismatch => ({
  _tag: 'VersionMismatch',
  orderId,
  expected,
  actual,
});
