import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { BookId, OrderId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { bookNotFound, orderNotFound, type OrderError } from '../../../domain/order-error.js';
import type { OrderChange, StockRefusal } from '../../../domain/ports/order-repository.port.js';
import { stockMoveFor, type StockMove } from '../stock-follows-status.js';
import type { StockDoubt } from './stock-doubts.js';
import { DONE, FREE, holdStateOf, isMark, type Hold, type StoredOrder } from './storage-order-record.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { Intent } from './storage-service-outbox.js';

/**
 * One order's stock change, waiting in its book's line or part of the batch being run: one plain object, filled in
 * by the steps of a batch below, so a waiting change costs that object and no closure of the saga's own.
 */
export interface StockChange {
  readonly orderId: OrderId;
  readonly bookId: BookId;
  readonly quantity: number;
  /** A new order: what to store when its stock is not there. */
  readonly refused?: (reason: StockRefusal) => Order;
  /** A stored order: the change asked for, and its record, refreshed when a doubt about it is settled. */
  readonly change?: OrderChange;
  current?: StoredOrder;
  /** The order to store: the new one, or what `change` made of `current`. */
  next?: Order;
  move: StockMove;
  /** The hold a write that moves no stock stores. */
  hold: Hold;
  refusal?: StockRefusal;
  doubt?: StockDoubt;
  /** The event the change's next write announces, durable before that write leaves. */
  intent?: Intent;
  failure?: unknown;
  answered: boolean;
  resolve(outcome: E.Either<OrderError, Order>): void;
  reject(error: unknown): void;
}

const unset = (): void => {};

export const blank = (orderId: OrderId, bookId: BookId, quantity: number): StockChange => ({
  orderId, bookId, quantity, move: 'none', hold: FREE, answered: false, resolve: unset, reject: unset,
});

/** What the change does to the stock, answering at once what needs no write. */
export function intend(c: StockChange): void {
  if (c.answered) return;
  if (!c.change) {
    c.move = stockMoveFor(c.next!.status, 'none');
    return;
  }
  const { current } = c;
  if (!current) return answer(c, E.left(orderNotFound(c.orderId)));
  if (isMark(current.hold)) {
    return fail(c, new DependencyFailure(STORAGE_SERVICE, `order ${c.orderId} has an unsettled stock change; it is settled on the next try`));
  }
  if (!c.next) {
    const changed = c.change(current.order);
    if (E.isLeft(changed)) return answer(c, changed);
    c.next = changed.right;
  }
  c.move = stockMoveFor(c.next.status, holdStateOf(current.hold));
  c.hold = current.hold;
  if (c.move === 'none' && c.next === current.order) answer(c, E.right(current.order));
}

export const deltaOf = (c: StockChange): number =>
  c.answered || c.move === 'none' ? 0 : c.move === 'take' ? -c.quantity : c.quantity;

export function refuse(c: StockChange, reason: StockRefusal): void {
  if (c.answered || c.move !== 'take') return;
  if (c.current) return answer(c, E.left(reason));
  c.refusal = reason;
  c.next = c.refused!(reason);
  c.move = 'none';
  c.hold = DONE;
}

/** No book: nothing to take, and nothing to give back to. */
export function bookGone(c: StockChange): void {
  if (c.move === 'take') refuse(c, bookNotFound(c.bookId));
  else if (c.move === 'give-back') {
    c.move = 'none';
    c.hold = DONE;
  }
}

/** The book vanished under a marked take: a stored order keeps its status, a new one is stored refused. */
export function takeVanished(c: StockChange): void {
  if (c.move !== 'take') return;
  c.refusal = bookNotFound(c.bookId);
  c.next = c.current ? c.current.order : c.refused!(c.refusal);
}

export function answer(c: StockChange, outcome: E.Either<OrderError, Order>): void {
  if (c.answered) return;
  c.answered = true;
  c.resolve(outcome);
}

export function fail(c: StockChange, error: unknown): void {
  if (c.answered) return;
  c.answered = true;
  c.reject(error);
}

export function outcomeUnknown(error: unknown): unknown {
  if (!(error instanceof DependencyFailure)) return error;
  return new DependencyFailure(error.dependency, error.message, { ...error.options, cause: error, outcomeUnknown: true });
}

/** A give-back's mark already stores the new status, which stands: its stock goes back when the mark is settled. */
export function batchFailed(c: StockChange, cause: unknown): DependencyFailure {
  const retryAfterSeconds = cause instanceof DependencyFailure ? cause.options.retryAfterSeconds : undefined;
  return new DependencyFailure(STORAGE_SERVICE, `a write for another order of book ${c.bookId} failed; no stock was moved`, {
    cause, outcomeUnknown: c.move === 'give-back', ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
}
