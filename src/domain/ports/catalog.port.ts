import type { Either } from 'fp-ts/lib/Either.js';
import type { AdjustmentPosition, AdjustmentRefusal, BookDetails, CatalogBook, StockAdjustment } from '../book-catalog.js';
import type { BookId } from '../identifiers.js';

export type PutBookOutcome =
  | { readonly kind: 'created'; readonly book: CatalogBook }
  | { readonly kind: 'replaced'; readonly book: CatalogBook }
  /** The book exists and `stock` differs from its stock: stock moves only through adjustments. */
  | { readonly kind: 'stock-not-settable'; readonly current: CatalogBook }
  /** A condition (expectedVersion, or must exist) does not hold; `current` is absent when the book is. */
  | { readonly kind: 'precondition-failed'; readonly current?: CatalogBook }
  /** The book does not exist and no stock was given to create it with. */
  | { readonly kind: 'stock-required' };

export interface BookPut {
  readonly id: BookId;
  readonly details: BookDetails;
  /** Required to create; compared, never written, when the book exists. */
  readonly stock?: number;
  /** When set, the put applies only to this version of an existing book. */
  readonly expectedVersion?: number;
  /** When true, the put applies only to a book that exists (If-Match: *). */
  readonly mustExist?: boolean;
}

export interface StockAdjustmentRequest {
  readonly id: string;
  readonly bookId: BookId;
  readonly delta: number;
  readonly reason: string;
  readonly at: Date;
}

/**
 * The catalog as operators manage it, on stores that own it. Each write is atomic with the orders racing it: an
 * adjustment changes the stock the orders take from in one write, checked against the stock at that moment, and
 * records its ledger entry and its event (com.avakart.book.stock-adjusted) in the same write.
 */
export interface CatalogPort {
  /** Up to `limit` books ordered by id, strictly after `after` when given. */
  listBooks(limit: number, after?: BookId): Promise<readonly CatalogBook[]>;

  getBook(id: BookId): Promise<CatalogBook | undefined>;

  /** Creates the book, or replaces its title, author and price, in one write. */
  putBook(put: BookPut): Promise<PutBookOutcome>;

  /** Moves the stock by `delta` unless it would fall below zero or above MAX_STOCK (see decideAdjustment). */
  adjustStock(adjustment: StockAdjustmentRequest): Promise<Either<AdjustmentRefusal, StockAdjustment>>;

  /** Up to `limit` of the book's adjustments, newest first, strictly after `after`; undefined for no such book. */
  listAdjustments(bookId: BookId, limit: number, after?: AdjustmentPosition): Promise<readonly StockAdjustment[] | undefined>;
}
