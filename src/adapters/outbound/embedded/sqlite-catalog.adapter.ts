import type { Statement } from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import {
  decideAdjustment, decideBookPut, stockAdjusted,
  type AdjustmentPosition, type AdjustmentRefusal, type CatalogBook, type StockAdjustment,
} from '../../../domain/book-catalog.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import { bookNotFound } from '../../../domain/order-error.js';
import type { BookPut, CatalogPort, PutBookOutcome, StockAdjustmentRequest } from '../../../domain/ports/catalog.port.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteEventLog } from './sqlite-event-log.adapter.js';
import { LEDGER_COLUMNS, toAdjustment, type LedgerRow } from '../catalog/ledger-row.js';

export interface BookRow {
  id: string;
  title: string;
  author: string;
  price_cents: number;
  stock: number;
  version: number;
}

export const BOOK_COLUMNS = 'id, title, author, price_cents, stock, version';

/**
 * The catalog as operators manage it, in the `books` and `stock_adjustments` tables. Each write runs in one
 * SqliteDatabase write, the same single writer the orders go through: an adjustment reads the stock, decides
 * (decideAdjustment), moves it, keeps its ledger entry and records its event with nothing in between.
 */
export class SqliteCatalog implements CatalogPort {
  private readonly selectBook: Statement<[string], BookRow>;
  private readonly selectFirstBooks: Statement<[number], BookRow>;
  private readonly selectBooksAfter: Statement<[string, number], BookRow>;
  private readonly insertBook: Statement<[string, string, string, number, number]>;
  private readonly updateDetails: Statement<[string, string, number, number, string]>;
  private readonly moveStock: Statement<[number, string]>;
  private readonly insertAdjustment: Statement<[string, string, number, number, string, number]>;
  private readonly selectFirstAdjustments: Statement<[string, number], LedgerRow>;
  private readonly selectAdjustmentsAfter: Statement<[string, number, number, string, number], LedgerRow>;

  constructor(private readonly store: SqliteDatabase, private readonly events: SqliteEventLog) {
    const db = store.db;
    this.selectBook = db.prepare(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = ?`);
    this.selectFirstBooks = db.prepare(`SELECT ${BOOK_COLUMNS} FROM books ORDER BY id LIMIT ?`);
    this.selectBooksAfter = db.prepare(`SELECT ${BOOK_COLUMNS} FROM books WHERE id > ? ORDER BY id LIMIT ?`);
    this.insertBook = db.prepare('INSERT INTO books (id, title, author, price_cents, stock, version) VALUES (?, ?, ?, ?, ?, 1)');
    this.updateDetails = db.prepare('UPDATE books SET title = ?, author = ?, price_cents = ?, version = ? WHERE id = ?');
    this.moveStock = db.prepare('UPDATE books SET stock = ? WHERE id = ?');
    this.insertAdjustment = db.prepare(`INSERT INTO stock_adjustments (${LEDGER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
    this.selectFirstAdjustments = db.prepare(
      `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
    );
    this.selectAdjustmentsAfter = db.prepare(
      `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = ? AND (at < ? OR (at = ? AND id < ?))
       ORDER BY at DESC, id DESC LIMIT ?`,
    );
  }

  listBooks(limit: number, after?: BookId): Promise<readonly CatalogBook[]> {
    return this.store.read(() =>
      (after === undefined ? this.selectFirstBooks.all(limit) : this.selectBooksAfter.all(after, limit)).map(toBook));
  }

  getBook(id: BookId): Promise<CatalogBook | undefined> {
    return this.store.read(() => {
      const row = this.selectBook.get(id);
      return row && toBook(row);
    });
  }

  putBook(put: BookPut): Promise<PutBookOutcome> {
    return this.store.write(() => {
      const row = this.selectBook.get(put.id);
      const current = row && toBook(row);
      const outcome = decideBookPut(current, put);
      if (outcome.kind === 'created') {
        const { id, title, author, price, stock } = outcome.book;
        this.insertBook.run(id, title, author, price, stock);
      } else if (outcome.kind === 'replaced' && outcome.book !== current) {
        const { id, title, author, price, version } = outcome.book;
        this.updateDetails.run(title, author, price, version, id);
      }
      return outcome;
    });
  }

  adjustStock(request: StockAdjustmentRequest): Promise<E.Either<AdjustmentRefusal, StockAdjustment>> {
    return this.store.write(() => {
      const row = this.selectBook.get(request.bookId);
      if (!row) return E.left(bookNotFound(request.bookId));
      const decided = decideAdjustment(row.stock, request);
      if (E.isLeft(decided)) return decided;
      const { id, bookId, delta, stock, reason, at } = decided.right;
      this.moveStock.run(stock, bookId);
      this.insertAdjustment.run(id, bookId, delta, stock, reason, at.getTime());
      this.events.record(stockAdjusted(decided.right));
      return decided;
    });
  }

  listAdjustments(bookId: BookId, limit: number, after?: AdjustmentPosition): Promise<readonly StockAdjustment[] | undefined> {
    return this.store.read(() => {
      if (!this.selectBook.get(bookId)) return undefined;
      const at = after?.at.getTime();
      const rows = after
        ? this.selectAdjustmentsAfter.all(bookId, at!, at!, after.id, limit)
        : this.selectFirstAdjustments.all(bookId, limit);
      return rows.map(toAdjustment);
    });
  }
}

export const toBook = (row: BookRow): CatalogBook => ({
  id: row.id as BookId,
  title: row.title,
  author: row.author,
  price: row.price_cents as Money,
  stock: row.stock,
  version: row.version,
});
