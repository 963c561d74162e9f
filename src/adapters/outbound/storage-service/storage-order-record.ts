import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import { isBookId, isOrderId, isUserId } from '../../../domain/identifiers.js';
import { moneyFromCents, toDecimal } from '../../../domain/money.js';
import { Order } from '../../../domain/order.js';
import { isOrderStatus, releasesStock, type OrderStatus } from '../../../domain/order-status.js';
import { isQuantity } from '../../../domain/quantity.js';
import type { HoldState } from '../stock-follows-status.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { WireOrder } from './storage-service-wire.js';

/**
 * What an order does with stock, kept in the storage record's status because the record has no other free field:
 * `free` may still take, `held` has taken, `done` never will again; `taking` / `returning` announce an absolute
 * stock write from `stockBefore` whose outcome is not yet known (the stock tells, see StockDoubts).
 */
export type Hold =
  | { readonly kind: SettledKind }
  | { readonly kind: 'taking' | 'returning'; readonly stockBefore: number };
type SettledKind = 'free' | 'held' | 'done';

export const FREE: Hold = { kind: 'free' };
export const HELD: Hold = { kind: 'held' };
export const DONE: Hold = { kind: 'done' };

export interface StoredOrder {
  readonly order: Order;
  readonly hold: Hold;
}

/** The hold each status implies; only a different one is written out, so settled records read as plain statuses. */
const impliedHold = (status: OrderStatus): SettledKind =>
  status === 'pending' ? 'free' : releasesStock(status) ? 'done' : 'held';

/**
 * Versions are not stored. Every status move goes up this ranking, so the status alone yields a number that
 * changes with every change of the order: enough for ETags and If-Match.
 */
const VERSION_OF: { readonly [S in OrderStatus]: number } = {
  pending: 1, confirmed: 2, rejected: 2, expired: 2, processing: 3, shipped: 4, cancelled: 4, delivered: 5,
};

export const isMark = (hold: Hold): hold is Extract<Hold, { stockBefore: number }> =>
  hold.kind === 'taking' || hold.kind === 'returning';

/** A settled hold as the shared stock rule reads it (`done` gave back, so it never takes again). */
export const holdStateOf = (hold: Hold): HoldState => {
  if (isMark(hold)) throw new Error(`a ${hold.kind} mark must be settled before its hold is read`);
  return hold.kind === 'held' ? 'held' : hold.kind === 'done' ? 'returned' : 'none';
};

export const sameHold = (a: Hold, b: Hold): boolean =>
  a.kind === b.kind && ('stockBefore' in a ? a.stockBefore : -1) === ('stockBefore' in b ? b.stockBefore : -1);

export function encodeStatus(status: OrderStatus, hold: Hold): string {
  const kept = hold.kind === 'free' && releasesStock(status) ? DONE : hold;
  if (kept.kind === impliedHold(status)) return status;
  return `${status}+${kept.kind}${'stockBefore' in kept ? `@${kept.stockBefore}` : ''}`;
}

const STATUS = /^([a-z]+)(?:\+(free|held|done|taking|returning)(?:@(\d{1,15}))?)?$/;

export function decodeStatus(text: string): E.Either<string, { status: OrderStatus; hold: Hold }> {
  // The old order processor wrote "created" once it had taken the stock.
  if (text === 'created') return E.right({ status: 'confirmed', hold: HELD });
  const [, status = '', kind, before] = STATUS.exec(text) ?? [];
  if (!isOrderStatus(status)) return E.left(`unknown status ${JSON.stringify(text)}`);
  if (kind === 'taking' || kind === 'returning') {
    return before === undefined ? E.left(`status ${text} lacks its stock`) : E.right({ status, hold: { kind, stockBefore: +before } });
  }
  if (before !== undefined) return E.left(`unknown status ${JSON.stringify(text)}`);
  return E.right({ status, hold: { kind: (kind as SettledKind | undefined) ?? impliedHold(status) } });
}

/** The record of `order` with `hold`; `status` stands in for the order's own while its stock is being taken. */
export const toWireOrder = (order: Order, hold: Hold, status: OrderStatus = order.status): WireOrder => {
  const o = order.toSnapshot();
  return {
    id: o.id,
    book_id: o.bookId,
    user_id: o.userId,
    status: encodeStatus(status, hold),
    price: toDecimal(o.total),
    quantity: o.quantity,
    created: o.createdAt.toISOString(),
  };
};

/**
 * The order as the storage service answers it once its record holds `status`: what GET /orders/{id} shows, and so
 * what the event of that write carries.
 */
export function asStored(order: Order, status: OrderStatus = order.status): Order {
  const stored = fromWireOrder(toWireOrder(order, FREE, status));
  if (E.isLeft(stored)) throw new DependencyFailure(STORAGE_SERVICE, `order ${order.id} could not be read back from the storage service: ${stored.left}`);
  return stored.right.order;
}

/** A storage record as an order, or why it cannot be one. Not stored, so derived: unit price, updatedAt, version. */
export function fromWireOrder(w: WireOrder): E.Either<string, StoredOrder> {
  const decoded = decodeStatus(w.status);
  if (E.isLeft(decoded)) return decoded;
  const { status, hold } = decoded.right;
  const total = centsOf(w.price);
  const created = new Date(w.created);
  if (!isOrderId(w.id) || !isBookId(w.book_id) || !isUserId(w.user_id)) return E.left('an id is not valid');
  if (!isQuantity(w.quantity)) return E.left(`quantity ${w.quantity} is out of range`);
  if (total === undefined) return E.left(`price ${w.price} is not an amount in cents`);
  if (Number.isNaN(created.getTime())) return E.left(`created ${JSON.stringify(w.created)} is not a time`);
  // Our totals are exact multiples; a legacy total that is not is split to the nearest cent.
  const unitPrice = moneyFromCents(Math.round(total / w.quantity));
  if (unitPrice === undefined) return E.left(`price ${w.price} is out of range`);
  const order = Order.rehydrate({
    id: w.id, bookId: w.book_id, userId: w.user_id, quantity: w.quantity, unitPrice, total, status,
    createdAt: created, updatedAt: created, version: VERSION_OF[status],
  });
  return E.right({ order, hold });
}

/** Currency units with at most two decimals, tolerating the last-bit error of a float written by someone else. */
export function centsOf(amount: number): ReturnType<typeof moneyFromCents> {
  const cents = Math.round(amount * 100);
  const slack = Math.max(1e-6, Math.abs(cents) * 4 * Number.EPSILON);
  return Number.isFinite(amount) && Math.abs(amount * 100 - cents) <= slack ? moneyFromCents(cents) : undefined;
}
