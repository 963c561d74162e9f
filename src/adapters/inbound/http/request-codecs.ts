import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { IDENTIFIER_RULE, isBookId, isOrderId, isUserId, type BookId, type OrderId, type UserId } from '../../../domain/identifiers.js';
import { isBookText, isDelta, isReason, isStock, MAX_REASON_LENGTH, MAX_STOCK, MAX_TITLE_LENGTH } from '../../../domain/book-catalog.js';
import { MAX_PRICE_CENTS, moneyFromDecimal, type Money } from '../../../domain/money.js';
import { ORDER_STATUSES, isOrderStatus, type OrderStatus } from '../../../domain/order-status.js';
import { QUANTITY_RULE, isQuantity, type Quantity } from '../../../domain/quantity.js';
import type { FieldError } from './problem-details.js';

/** A codec for a domain value: the domain says what is valid, the codec says why not. */
const refined = <A extends B, B>(base: t.Type<B, B, unknown>, name: string, guard: (b: B) => b is A, rule: string) =>
  new t.Type<A, A, unknown>(
    name,
    (u): u is A => base.is(u) && guard(u),
    (u, c) => (base.is(u) && guard(u) ? t.success(u) : t.failure(u, c, `must be ${rule}`)),
    t.identity,
  );

const stringWith = <A extends string>(name: string, guard: (s: string) => s is A, rule: string) =>
  refined<A, string>(t.string, name, guard, `a string of ${rule}`);

export const BookIdCodec = stringWith<BookId>('BookId', isBookId, IDENTIFIER_RULE);
export const UserIdCodec = stringWith<UserId>('UserId', isUserId, IDENTIFIER_RULE);
export const OrderIdCodec = stringWith<OrderId>('OrderId', isOrderId, IDENTIFIER_RULE);
export const QuantityCodec = refined<Quantity, number>(t.number, 'Quantity', isQuantity, QUANTITY_RULE);
export const OrderStatusCodec = refined<OrderStatus, string>(t.string, 'OrderStatus', isOrderStatus,
  `one of ${ORDER_STATUSES.join(', ')}`);

export const PlaceOrderBody = t.exact(t.type({ bookId: BookIdCodec, userId: UserIdCodec, quantity: QuantityCodec }));
export const ChangeStatusBody = t.exact(t.type({ status: OrderStatusCodec }));
export const AvakartCreateBody = t.exact(t.type({ book_id: BookIdCodec, user_id: UserIdCodec, quantity: QuantityCodec }));
/** As the old service had it: a limit of 0 or less, or none, means 100. */
export const BatchProcessBody = t.exact(t.partial({
  limit: refined<number, number>(t.number, 'Limit', (n): n is number => Number.isSafeInteger(n), 'a whole number'),
}));
export const AvakartStatusBody = t.exact(t.type({ order_id: OrderIdCodec, status: OrderStatusCodec }));

/** A price in currency units with at most two decimals, read into exact cents. */
export const PriceCodec = new t.Type<Money, number, unknown>(
  'Price',
  (u): u is Money => typeof u === 'number',
  (u, c) => {
    const cents = typeof u === 'number' ? moneyFromDecimal(u) : undefined;
    return cents === undefined
      ? t.failure(u, c, `must be an amount from 0 to ${MAX_PRICE_CENTS / 100} with at most two decimals`)
      : t.success(cents);
  },
  (cents) => cents / 100,
);
const BookTextCodec = refined<string, string>(t.string, 'BookText', (s): s is string => isBookText(s),
  `a string of 1 to ${MAX_TITLE_LENGTH} characters, not blank, no control characters`);
export const StockCodec = refined<number, number>(t.number, 'Stock', (n): n is number => isStock(n),
  `a whole number from 0 to ${MAX_STOCK}`);
/** A field that may be left out; when present, `codec` decides (and its reason is the one reported). */
const optional = <A, O>(codec: t.Type<A, O, unknown>) => new t.Type<A | undefined, O | undefined, unknown>(
  `${codec.name}?`,
  (u): u is A | undefined => u === undefined || codec.is(u),
  (u, c) => (u === undefined ? t.success(undefined) : codec.validate(u, c)),
  (a) => (a === undefined ? undefined : codec.encode(a)),
);
/** `stock` may be left out: it is required only to create the book. */
export const PutBookBody = t.exact(t.type({ title: BookTextCodec, author: BookTextCodec, price: PriceCodec, stock: optional(StockCodec) }));
export const StockAdjustmentBody = t.exact(t.type({
  delta: refined<number, number>(t.number, 'Delta', (n): n is number => isDelta(n), `a non-zero whole number from -${MAX_STOCK} to ${MAX_STOCK}`),
  reason: refined<string, string>(t.string, 'Reason', (s): s is string => isReason(s),
    `"restock" or a text of 1 to ${MAX_REASON_LENGTH} characters, not blank, no control characters`),
}));

/** Decodes input and reports every offending field, never the value itself (it may be huge or hostile). */
export function decode<A>(codec: t.Decoder<unknown, A>, input: unknown): E.Either<FieldError[], A> {
  const result = codec.decode(input);
  if (E.isRight(result)) return E.right(result.right);
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const error of result.left) {
    const keys = error.context.map((entry) => entry.key).filter((key) => key !== '');
    const pointer = keys.length ? `/${keys.join('/')}` : '';
    if (seen.has(pointer)) continue;
    seen.add(pointer);
    errors.push({ pointer, detail: detailOf(error) });
  }
  return E.left(errors);
}

function detailOf(error: t.ValidationError): string {
  const expected = error.context[error.context.length - 1]?.type;
  if (error.context.length > 1 && error.value === undefined) return 'is required';
  if (error.message) return error.message;
  if (error.context.length === 1) return 'must be a JSON object';
  return `must be ${expected?.name ?? 'valid'}`;
}
