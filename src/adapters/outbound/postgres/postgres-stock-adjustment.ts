import * as E from 'fp-ts/lib/Either.js';
import { decideAdjustment, stockAdjusted, type AdjustmentRefusal, type StockAdjustment } from '../../../domain/book-catalog.js';
import { bookNotFound } from '../../../domain/order-error.js';
import type { StockAdjustmentRequest } from '../../../domain/ports/catalog.port.js';
import { retryingConflicts, type PostgresDatabase, type TransactionSql } from './postgres-database.js';
import { INSERT_EVENTS, packEvent, writeScope, type Outbox, type WriteScope } from './postgres-outbox.js';

// Adjustments of one book queue here first, one at a time (why: see adjustStock). The two-key form keeps these
// keys apart from the single-key advisory locks of the migrations and the relay.
const ADJUSTMENT_LOCK_CLASS = 726_150_313;
const QUEUE = `SELECT pg_advisory_xact_lock(${ADJUSTMENT_LOCK_CLASS}, hashtext($1))`;
// The same row lock a placement batch takes on the book (see postgres-placement-batch.ts): an adjustment and the
// orders racing it are serialised on it, and each sees the stock the one before it left.
const LOCK_BOOK = 'SELECT stock FROM books WHERE id = $1 FOR UPDATE';
// Its own statement, run once the lock is granted: a statement that waited for the lock would read the ledger as
// it was before the commit it waited for, missing that commit's entry.
const LATEST_ENTRY = 'SELECT max(at) AS at FROM stock_adjustments WHERE book_id = $1';

const WRITE = `WITH moved AS (
    UPDATE books SET stock = $3 WHERE id = $2
  ), entered AS (
    INSERT INTO stock_adjustments (id, book_id, delta, stock_after, reason, at) VALUES ($1, $2, $4, $3, $5, $6)
  )
  ${INSERT_EVENTS(7)}`;

/** The adjustment's statements, for the query-plan checks in test/postgres. */
export const STOCK_ADJUSTMENT_SQL = { QUEUE, LOCK_BOOK, LATEST_ENTRY } as const;

/**
 * `CatalogPort.adjustStock` in one transaction and two round trips: BEGIN with the book's locks and its newest
 * ledger entry, then the new stock, the ledger entry and the event, with COMMIT. The rule is decideAdjustment, run
 * on the locked stock.
 *
 * Why the advisory lock first, not the row lock alone: the feed orders events by xid (see PostgresEventLog), and a
 * row lock does not always assign the xid once it is granted. A waiter on a row that another transaction updated
 * can be given its xid on the way (following the update chain, it seems) and still lose the newest version to
 * another waiter: with three or more writers on one row, xid order and lock order differ (20 concurrent
 * `SELECT … FOR UPDATE` + `UPDATE` on one row showed it on every run; test/postgres/catalog-replicas catches it).
 * The advisory lock assigns no xid, and the book's previous adjustment has ended before it is granted, so every
 * xid of this transaction is larger than that one's: the book's stock-adjusted events come in the feed in the
 * order they were applied. Keep it first.
 *
 * An entry is dated no earlier than 1 ms after the book's previous one: requests are dated before they reach the
 * lock, by replicas whose clocks differ, and the ledger (newest first by time, then id) must list adjustments in the
 * order they were applied, or the stock each entry shows would not follow from the one before.
 */
export async function adjustStock(
  db: PostgresDatabase,
  request: StockAdjustmentRequest,
  outbox: Outbox,
): Promise<E.Either<AdjustmentRefusal, StockAdjustment>> {
  const scope = writeScope(outbox);
  const result = await retryingConflicts(() => db.transaction((sql) => adjustLocked(sql, request, scope), E.isRight));
  if (E.isRight(result)) scope.committed();
  return result;
}

async function adjustLocked(
  sql: TransactionSql,
  request: StockAdjustmentRequest,
  outbox: WriteScope,
): Promise<E.Either<AdjustmentRefusal, StockAdjustment>> {
  // Sent together, with BEGIN: one round trip.
  const queued = sql.query(QUEUE, [request.bookId]);
  const locked = sql.query<{ stock: number }>(LOCK_BOOK, [request.bookId]);
  const latest = sql.query<{ at: Date | null }>(LATEST_ENTRY, [request.bookId]);
  const [, { rows: [book] }, { rows: [entry] }] = await Promise.all([queued, locked, latest]);
  if (!book) return E.left(bookNotFound(request.bookId));
  const previous = entry?.at;
  const at = previous && previous.getTime() >= request.at.getTime() ? new Date(previous.getTime() + 1) : request.at;
  const decided = decideAdjustment(book.stock, { ...request, at });
  if (E.isLeft(decided)) return decided;
  const a = decided.right;
  const event = packEvent(outbox.render(stockAdjusted(a)));
  await sql.commitWith(WRITE, [a.id, a.bookId, a.stock, a.delta, a.reason, a.at, event]);
  return decided;
}
