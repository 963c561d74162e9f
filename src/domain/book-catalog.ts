import * as E from 'fp-ts/lib/Either.js';
import type { BookId } from './identifiers.js';
import type { Money } from './money.js';
import { insufficientStock, type BookNotFound, type InsufficientStock } from './order-error.js';
import type { BookPut, PutBookOutcome, StockAdjustmentRequest } from './ports/catalog.port.js';
import type { Book } from './ports/inventory.port.js';

/** A book as the catalog keeps it: `version` grows with every change of title, author or price (not of stock). */
export interface CatalogBook extends Book {
  readonly version: number;
}

/** What PUT /books/{id} replaces: everything but the stock, which only adjustments and orders move. */
export interface BookDetails {
  readonly title: string;
  readonly author: string;
  readonly price: Money;
}

/** The most copies a book may have: far above any shop's, far below where integer columns overflow. */
export const MAX_STOCK = 1_000_000_000;
export const MAX_TITLE_LENGTH = 500;
export const MAX_REASON_LENGTH = 200;

export const isStock = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_STOCK;

/** A stock adjustment's delta: a non-zero whole number no larger than the stock a book may have. */
export const isDelta = (value: unknown): value is number =>
  Number.isSafeInteger(value) && value !== 0 && Math.abs(value as number) <= MAX_STOCK;

/** A reason: `restock` or free text, 1 to 200 characters, not blank, no control characters. */
// eslint-disable-next-line no-control-regex
export const isReason = (value: string): boolean => value.length >= 1 && value.length <= MAX_REASON_LENGTH && value.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(value);

/** A title or author: 1 to 500 characters, not blank, no control characters. */
// eslint-disable-next-line no-control-regex
export const isBookText = (value: string): boolean => value.length >= 1 && value.length <= MAX_TITLE_LENGTH && value.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(value);

/** One entry of a book's stock ledger: a change of stock by hand, with why, and the stock it left. */
export interface StockAdjustment {
  readonly id: string;
  readonly bookId: BookId;
  readonly delta: number;
  /** The book's stock right after this adjustment. */
  readonly stock: number;
  readonly reason: string;
  readonly at: Date;
}

/** A stock adjustment, announced as com.avakart.book.stock-adjusted; recorded in the adjustment's own write. */
export interface StockAdjusted {
  readonly kind: 'stock-adjusted';
  readonly adjustment: StockAdjustment;
}

export const stockAdjusted = (adjustment: StockAdjustment): StockAdjusted => ({ kind: 'stock-adjusted', adjustment });

/** A position in a book's ledger, newest first: the last adjustment of the previous page. */
export interface AdjustmentPosition {
  readonly at: Date;
  readonly id: string;
}

/**
 * What a PUT does to the book as it is now (absent: no such book): the rules of creating and replacing, stated
 * once for every store, which runs this inside its write and stores `book` when it differs from `current`.
 */
export function decideBookPut(current: CatalogBook | undefined, put: BookPut): PutBookOutcome {
  if (!current) {
    if (put.expectedVersion !== undefined || put.mustExist) return { kind: 'precondition-failed' };
    if (put.stock === undefined) return { kind: 'stock-required' };
    return { kind: 'created', book: { id: put.id, ...put.details, stock: put.stock, version: 1 } };
  }
  if (put.expectedVersion !== undefined && put.expectedVersion !== current.version) return { kind: 'precondition-failed', current };
  if (put.stock !== undefined && put.stock !== current.stock) return { kind: 'stock-not-settable', current };
  const { title, author, price } = put.details;
  if (current.title === title && current.author === author && current.price === price) return { kind: 'replaced', book: current };
  return { kind: 'replaced', book: { ...current, title, author, price, version: current.version + 1 } };
}

/** An adjustment that would leave more than MAX_STOCK copies. */
export interface StockOverflow {
  readonly _tag: 'StockOverflow';
  readonly bookId: BookId;
  readonly max: number;
}

export type AdjustmentRefusal = BookNotFound | InsufficientStock | StockOverflow;

/** An adjustment of the book's stock as it is now, or the refusal when it would fall below zero. */
export function decideAdjustment(stock: number, request: StockAdjustmentRequest): E.Either<AdjustmentRefusal, StockAdjustment> {
  const after = stock + request.delta;
  if (after < 0) return E.left(insufficientStock(request.bookId, -request.delta, stock));
  if (after > MAX_STOCK) return E.left({ _tag: 'StockOverflow', bookId: request.bookId, max: MAX_STOCK });
  const { id, bookId, delta, reason, at } = request;
  return E.right({ id, bookId, delta, stock: after, reason, at });
}
