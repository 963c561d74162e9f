import type { CatalogBook, StockAdjustment } from '../../../domain/book-catalog.js';
import { toDecimal } from '../../../domain/money.js';

/** A book as /books answers it: the price in currency units, exact from cents. */
export const toBookResource = (book: CatalogBook) => ({
  id: book.id,
  title: book.title,
  author: book.author,
  price: toDecimal(book.price),
  stock: book.stock,
});

export const toAdjustmentResource = (adjustment: StockAdjustment) => ({
  id: adjustment.id,
  bookId: adjustment.bookId,
  delta: adjustment.delta,
  stock: adjustment.stock,
  reason: adjustment.reason,
  at: adjustment.at.toISOString(),
});
