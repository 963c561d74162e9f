import type { Statement } from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import {
  decideAdjustment, decideBookPut, stockAdjusted,
  type AdjustmentPosition, type AdjustmentRefusal, type CatalogBook, type StockAdjustment,
} from '../../../domain/book-catalog.js';
import type { BookId } from '../../../domain/identifiers.js';
import { toDecimal } from '../../../domain/money.js';
import { bookNotFound } from '../../../domain/order-error.js';
import type { BookPut, CatalogPort, PutBookOutcome, StockAdjustmentRequest } from '../../../domain/ports/catalog.port.js';
import { LEDGER_COLUMNS, toAdjustment, type LedgerRow } from '../catalog/ledger-row.js';
import type { BookStockSaga, PendingStockWrite } from './book-stock-saga.js';
import { toBook } from './storage-book.js';
import type { StorageServiceApi } from './storage-service-api.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { StorageServiceOutbox } from './storage-service-outbox.js';
import type { WireBookRecord } from './storage-service-wire.js';

const OUTBOX_DEPENDENCY = 'event-outbox';

interface PendingRow extends LedgerRow {
  stock_before: number;
}

/**
 * The catalog over the storage service, which keeps the books and their stock but no version and no ledger: those
 * live in the local outbox file (tables `book_versions` and `stock_adjustments`). Every write runs inside the book's
 * line in BookStockSaga, so none of this process's stock writes to the book interleaves with it:
 *
 * - putBook reads the book, decides (decideBookPut), then creates it with `books/add` (with its stock) or replaces it
 *   with `books/update` carrying the quantity it just read. The version is bumped locally before the storage write,
 *   so a tag never names two different contents (a failed write may bump it for nothing: a spurious 412 at worst).
 * - adjustStock reads the stock, decides (decideAdjustment), records its ledger row as `pending` (the intent) before
 *   `books/update-quantity`, then on the acknowledgement marks it `applied` and records its event in one local
 *   write. A write that certainly did not apply drops the row. One whose outcome is unknown answers 503 with
 *   `outcomeUnknown` and stays pending: the book's next stock write of this process (an order batch or another
 *   adjustment), or the first one after a restart, settles it first from one stock read (back at the stock before:
 *   never landed, dropped; anything else: landed, applied and announced). Exact while this process is the book's
 *   only writer; a pending row is never listed nor announced until settled.
 */
export class StorageServiceCatalog implements CatalogPort {
  private readonly selectVersion: Statement<[string], { version: number }>;
  private readonly selectVersions: Statement<[], { book_id: string; version: number }>;
  private readonly upsertVersion: Statement<[string, number]>;
  private readonly insertPending: Statement<[string, string, number, number, number, string, number]>;
  private readonly markApplied: Statement<[string]>;
  private readonly deleteAdjustment: Statement<[string]>;
  private readonly selectFirstAdjustments: Statement<[string, number], LedgerRow>;
  private readonly selectAdjustmentsAfter: Statement<[string, number, number, string, number], LedgerRow>;

  constructor(
    private readonly api: StorageServiceApi,
    private readonly saga: BookStockSaga,
    private readonly outbox: StorageServiceOutbox,
  ) {
    const db = outbox.store.db;
    this.selectVersion = db.prepare('SELECT version FROM book_versions WHERE book_id = ?');
    this.selectVersions = db.prepare('SELECT book_id, version FROM book_versions');
    this.upsertVersion = db.prepare(
      'INSERT INTO book_versions (book_id, version) VALUES (?, ?) ON CONFLICT (book_id) DO UPDATE SET version = excluded.version',
    );
    this.insertPending = db.prepare(
      `INSERT INTO stock_adjustments (id, book_id, delta, stock_before, stock_after, reason, at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
    );
    this.markApplied = db.prepare("UPDATE stock_adjustments SET state = 'applied' WHERE id = ? AND state = 'pending'");
    this.deleteAdjustment = db.prepare("DELETE FROM stock_adjustments WHERE id = ? AND state = 'pending'");
    this.selectFirstAdjustments = db.prepare(
      `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = ? AND state = 'applied' ORDER BY at DESC, id DESC LIMIT ?`,
    );
    this.selectAdjustmentsAfter = db.prepare(
      `SELECT ${LEDGER_COLUMNS} FROM stock_adjustments WHERE book_id = ? AND state = 'applied' AND (at < ? OR (at = ? AND id < ?))
       ORDER BY at DESC, id DESC LIMIT ?`,
    );
    // What a process before this one left in doubt: settled before its book's next stock write.
    const left = db.prepare<[], PendingRow>(
      `SELECT ${LEDGER_COLUMNS}, stock_before FROM stock_adjustments WHERE state = 'pending' ORDER BY at, id`,
    );
    for (const row of left.all()) this.saga.leftPending(this.pendingOf(toAdjustment(row), row.stock_before));
  }

  async listBooks(limit: number, after?: BookId): Promise<readonly CatalogBook[]> {
    const page = (await this.api.listBooks())
      .map(toBook)
      .filter((book) => after === undefined || book.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
    if (page.length === 0) return [];
    const versions = await this.outbox.store.read(() => new Map(this.selectVersions.all().map((r) => [r.book_id, r.version])));
    return page.map((book) => ({ ...book, version: versions.get(book.id) ?? 1 }));
  }

  async getBook(id: BookId): Promise<CatalogBook | undefined> {
    const wire = await this.api.getBook(id);
    return wire && this.catalogBook(wire);
  }

  putBook(put: BookPut): Promise<PutBookOutcome> {
    return this.saga.exclusive(put.id, async (access) => {
      const wire = await this.api.getBook(put.id);
      const current = wire && (await this.catalogBook(wire));
      const outcome = decideBookPut(current, put);
      if (outcome.kind === 'created') {
        const { id, title, author, price, stock, version } = outcome.book;
        await this.writeVersion(id, version);
        await access.rewrite(() => this.api.addBook({ id, title, author, price: toDecimal(price), quantity: stock }));
      } else if (outcome.kind === 'replaced' && outcome.book !== current) {
        const { id, title, author, price, version } = outcome.book;
        await this.writeVersion(id, version);
        // The whole record is replaced: the quantity is the one just read, which no write of this process moved since.
        const replaced = await access.rewrite(() => this.api.updateBook({ ...wire!, title, author, price: toDecimal(price) }));
        if (!replaced) throw new DependencyFailure(STORAGE_SERVICE, `book ${id} vanished from the storage service while being replaced`);
      }
      return outcome;
    });
  }

  adjustStock(request: StockAdjustmentRequest): Promise<E.Either<AdjustmentRefusal, StockAdjustment>> {
    return this.saga.exclusive(request.bookId, async (access) => {
      const stock = await access.stock();
      if (stock === undefined) return E.left(bookNotFound(request.bookId));
      const decided = decideAdjustment(stock, request);
      if (E.isLeft(decided)) return decided;
      const adjustment = decided.right;
      await this.intend(adjustment, stock);
      const pending = this.pendingOf(adjustment, stock);
      let written: boolean;
      try {
        written = await access.write(adjustment.stock, pending);
      } catch (error) {
        if (error instanceof DependencyFailure && !error.options.outcomeUnknown) {
          await this.drop(adjustment.id).catch(() => undefined); // a row left behind is settled as "not landed" later
          throw error;
        }
        throw unknownOutcome(error, request.bookId);
      }
      if (!written) {
        await this.drop(adjustment.id).catch(() => undefined);
        return E.left(bookNotFound(request.bookId));
      }
      try {
        await this.commit(adjustment);
      } catch (error) {
        // The stock is written, its ledger entry is not: it stays pending, settled before the book's next write.
        this.saga.leftPending(pending);
        throw unknownOutcome(error, request.bookId);
      }
      return decided;
    });
  }

  async listAdjustments(bookId: BookId, limit: number, after?: AdjustmentPosition): Promise<readonly StockAdjustment[] | undefined> {
    if (!(await this.api.getBook(bookId))) return undefined;
    return this.outbox.store.read(() => {
      const at = after?.at.getTime();
      const rows = after
        ? this.selectAdjustmentsAfter.all(bookId, at!, at!, after.id, limit)
        : this.selectFirstAdjustments.all(bookId, limit);
      return rows.map(toAdjustment);
    });
  }

  private async catalogBook(wire: WireBookRecord): Promise<CatalogBook> {
    const book = toBook(wire);
    const version = await this.outbox.store.read(() => this.selectVersion.get(book.id)?.version ?? 1);
    return { ...book, version };
  }

  private async writeVersion(bookId: BookId, version: number): Promise<void> {
    try {
      await this.outbox.store.write(() => this.upsertVersion.run(bookId, version));
    } catch (error) {
      throw new DependencyFailure(OUTBOX_DEPENDENCY, `the local outbox could not record the version of book ${bookId}`, { cause: error });
    }
  }

  /** The intent: the ledger row, pending, durable before the stock write leaves. */
  private async intend(a: StockAdjustment, stockBefore: number): Promise<void> {
    try {
      await this.outbox.store.write(() => this.insertPending.run(a.id, a.bookId, a.delta, stockBefore, a.stock, a.reason, a.at.getTime()));
    } catch (error) {
      throw new DependencyFailure(OUTBOX_DEPENDENCY, `the local outbox could not record adjustment ${a.id}`, { cause: error });
    }
  }

  /** The stock write landed: the ledger entry stands and its event joins the log, in one local write. */
  private async commit(adjustment: StockAdjustment): Promise<void> {
    await this.outbox.store.write(() => {
      if (this.markApplied.run(adjustment.id).changes > 0) this.outbox.events.record(stockAdjusted(adjustment));
    });
  }

  private async drop(id: string): Promise<void> {
    await this.outbox.store.write(() => this.deleteAdjustment.run(id));
  }

  private pendingOf(adjustment: StockAdjustment, stockBefore: number): PendingStockWrite {
    return {
      bookId: adjustment.bookId,
      stockBefore,
      settle: (landed) => (landed ? this.commit(adjustment) : this.drop(adjustment.id)),
    };
  }
}

function unknownOutcome(error: unknown, bookId: BookId): DependencyFailure {
  const options = error instanceof DependencyFailure ? error.options : {};
  return new DependencyFailure(STORAGE_SERVICE, `the stock adjustment of book ${bookId} may or may not have been applied`, {
    ...options, cause: error, outcomeUnknown: true,
  });
}
