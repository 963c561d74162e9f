import type { Either } from 'fp-ts/lib/Either.js';
import { decideBookPut, type AdjustmentPosition, type AdjustmentRefusal, type CatalogBook, type StockAdjustment } from '../../../domain/book-catalog.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { BookPut, CatalogPort, PutBookOutcome, StockAdjustmentRequest } from '../../../domain/ports/catalog.port.js';
import { CONFLICT_ATTEMPTS, isConflict, type PostgresDatabase, type TransactionSql } from './postgres-database.js';
import { BOOK_COLUMNS, toCatalogBook, type BookRow, type PostgresInventory } from './postgres-inventory.adapter.js';
import { quietOutbox, type Outbox } from './postgres-outbox.js';
import { toAdjustment, type LedgerRow } from '../catalog/ledger-row.js';
import { adjustStock } from './postgres-stock-adjustment.js';

// Ids are COLLATE "C" (see the migrations): byte order, as every other backend lists them.
const FIRST_BOOKS = `SELECT ${BOOK_COLUMNS} FROM books ORDER BY id LIMIT $1`;
const BOOKS_AFTER = `SELECT ${BOOK_COLUMNS} FROM books WHERE id > $2 ORDER BY id LIMIT $1`;

const LOCK_BOOK = `SELECT ${BOOK_COLUMNS} FROM books WHERE id = $1 FOR UPDATE`;
// A concurrent PUT may create the same id between the lock (which finds no row to lock) and the insert: the insert
// then waits for it, does nothing, and the put is decided again on the book that one created.
const CREATE = `INSERT INTO books (${BOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`;
const REPLACE = 'UPDATE books SET title = $2, author = $3, price_cents = $4, version = $5 WHERE id = $1';

// Both walk stock_adjustments_by_book (book_id, at DESC, id DESC) from the position: no sort.
const LEDGER_COLUMNS = 'id, book_id, delta, stock_after, reason, at';
const FIRST_ENTRIES = `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = $1 ORDER BY at DESC, id DESC LIMIT $2`;
const ENTRIES_AFTER = `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = $1 AND (at, id) < ($3, $4)
  ORDER BY at DESC, id DESC LIMIT $2`;

/** The catalog's statements, for the query-plan checks in test/postgres. */
export const CATALOG_SQL = { FIRST_BOOKS, BOOKS_AFTER, FIRST_ENTRIES, ENTRIES_AFTER } as const;

/**
 * The catalog as operators manage it, in `books` and the `stock_adjustments` ledger. A put and an adjustment each
 * lock the book's row, the lock the orders' writes take too, so they are atomic with the orders racing them on any
 * replica; an adjustment records its event in the same transaction (see adjustStock).
 */
export class PostgresCatalog implements CatalogPort {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly inventory: PostgresInventory,
    private readonly outbox: Outbox = quietOutbox(),
  ) {}

  async listBooks(limit: number, after?: BookId): Promise<readonly CatalogBook[]> {
    const { rows } = after === undefined
      ? await this.db.query<BookRow>(FIRST_BOOKS, [limit])
      : await this.db.query<BookRow>(BOOKS_AFTER, [limit, after]);
    return rows.map(toCatalogBook);
  }

  /** Shares the inventory's batched reads: under load, the placements' reads and these are one statement. */
  getBook(id: BookId): Promise<CatalogBook | undefined> {
    return this.inventory.findBook(id);
  }

  async putBook(put: BookPut): Promise<PutBookOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      let outcome: PutBookOutcome | undefined;
      try {
        outcome = await this.db.transaction((sql) => putLocked(sql, put));
      } catch (error) {
        if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
        continue;
      }
      if (outcome) return outcome;
      // Lost a race to create it: the book exists now, and books are never deleted, so once more decides it.
      if (attempt >= CONFLICT_ATTEMPTS) throw new Error(`book ${put.id} was neither found nor created`);
    }
  }

  adjustStock(request: StockAdjustmentRequest): Promise<Either<AdjustmentRefusal, StockAdjustment>> {
    return adjustStock(this.db, request, this.outbox);
  }

  async listAdjustments(bookId: BookId, limit: number, after?: AdjustmentPosition): Promise<readonly StockAdjustment[] | undefined> {
    const { rows } = after
      ? await this.db.query<LedgerRow>(ENTRIES_AFTER, [bookId, limit, after.at, after.id])
      : await this.db.query<LedgerRow>(FIRST_ENTRIES, [bookId, limit]);
    // Books are never deleted, and every entry names one: only an empty page can be of no book.
    if (rows.length === 0 && !(await this.db.query('SELECT 1 FROM books WHERE id = $1', [bookId])).rowCount) return undefined;
    return rows.map(toAdjustment);
  }
}

/** The outcome, or undefined when a concurrent put created the book first. */
async function putLocked(sql: TransactionSql, put: BookPut): Promise<PutBookOutcome | undefined> {
  const { rows: [row] } = await sql.query<BookRow>(LOCK_BOOK, [put.id]);
  const current = row && toCatalogBook(row);
  const outcome = decideBookPut(current, put);
  if (outcome.kind === 'created') {
    const { id, title, author, price, stock, version } = outcome.book;
    const { rowCount } = await sql.commitWith(CREATE, [id, title, author, price, stock, version]);
    return rowCount === 1 ? outcome : undefined;
  }
  if (outcome.kind === 'replaced' && outcome.book !== current) {
    const { id, title, author, price, version } = outcome.book;
    await sql.commitWith(REPLACE, [id, title, author, price, version]);
  }
  return outcome;
}

