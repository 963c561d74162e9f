import type { StockAdjustment } from '../../../domain/book-catalog.js';
import type { BookId } from '../../../domain/identifiers.js';

/** The stock_adjustments table of the SQL backends (SQLite and PostgreSQL share its shape). */
export const LEDGER_COLUMNS = 'id, book_id, delta, stock_after, reason, at';

/** A ledger row as a driver returns it: SQLite gives `at` as epoch milliseconds, pg as a Date. */
export interface LedgerRow {
  id: string;
  book_id: string;
  delta: number;
  stock_after: number;
  reason: string;
  at: number | Date;
}

export const toAdjustment = (row: LedgerRow): StockAdjustment => ({
  id: row.id,
  bookId: row.book_id as BookId,
  delta: row.delta,
  stock: row.stock_after,
  reason: row.reason,
  at: new Date(row.at),
});
