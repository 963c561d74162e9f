import * as E from 'fp-ts/lib/Either.js';
import type { OrderId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { bookNotFound, insufficientStock, orderNotFound, type OrderError } from '../../../domain/order-error.js';
import { orderChangeOf } from '../../../domain/order-event.js';
import { holdsStock } from '../../../domain/order-status.js';
import type { OrderChange } from '../../../domain/ports/order-repository.port.js';
import { orderColumnsOf, toOrder, type OrderRow } from '../order-columns.js';
import { stockMoveFor, type HoldState } from '../stock-follows-status.js';
import { retryingConflicts, type PostgresDatabase, type TransactionSql } from './postgres-database.js';
import { INSERT_EVENTS, packEvent, writeScope, type Outbox, type WriteScope } from './postgres-outbox.js';

const COLUMNS = orderColumnsOf('o');

/**
 * Changes of one order queue here first: an advisory lock takes no xid, so the order's row lock (which does) is
 * asked for by one transaction at a time, and xids follow the order the changes are applied in. Without it, three
 * changes waiting on one row take their xids as they arrive and the row lock in whatever order the waiters wake,
 * and the feed could serve a later version before an earlier one. The key space is this module's own.
 */
const QUEUE_ON_ORDER = 'SELECT pg_advisory_xact_lock(726150314, hashtext($1))';

const LOCK_ORDER = `SELECT ${COLUMNS}, h.returned FROM orders o LEFT JOIN stock_holds h ON h.order_id = o.id
  WHERE o.id = $1 FOR UPDATE OF o`;

// Both writes below decide the stock move on the ledger as their own statement sees it, not as LOCK_ORDER read it:
// a transaction that waited for the order's lock reads the hold row as it was before the commit it waited for,
// while every later statement sees that commit. Nothing at all is written unless the order is still the version
// that was read (`unchanged`), which the row lock makes certain and the guard states. The event (none, or one) is
// inserted only with the order's new row (`written`), so a change the stock refuses records nothing.

/** The order in a status that holds stock: its stock taken, unless it has a hold row already. */
const WRITE_HOLDING = `WITH unchanged AS (SELECT 1 FROM orders WHERE id = $1 AND version = $8),
  existing AS (SELECT 1 FROM stock_holds WHERE order_id = $1),
  book AS (
    SELECT id, stock FROM books
    WHERE id = $2 AND EXISTS (SELECT 1 FROM unchanged) AND NOT EXISTS (SELECT 1 FROM existing) FOR UPDATE
  ), taken AS (
    UPDATE books SET stock = books.stock - $3::integer FROM book
    WHERE books.id = book.id AND book.stock >= $3::integer RETURNING books.id
  ), held AS (
    INSERT INTO stock_holds (order_id, book_id, quantity) SELECT $1, $2, $3::integer FROM taken
  ), written AS (
    UPDATE orders SET status = $4, updated_at = $5, version = $6
    WHERE $7::boolean AND id = $1 AND version = $8 AND EXISTS (SELECT 1 FROM existing UNION ALL SELECT 1 FROM taken)
    RETURNING 1
  ), logged AS (
    ${INSERT_EVENTS(9)} WHERE EXISTS (SELECT 1 FROM written)
  )
  SELECT EXISTS (SELECT 1 FROM unchanged) AS unchanged,
         EXISTS (SELECT 1 FROM existing UNION ALL SELECT 1 FROM taken) AS holds,
         (SELECT stock FROM book) AS available`;

/** The order in a status that holds none: what it holds given back, once. */
const WRITE_RELEASED = `WITH unchanged AS (SELECT 1 FROM orders WHERE id = $1 AND version = $6),
  released AS (
    UPDATE stock_holds SET returned = 1
    WHERE order_id = $1 AND returned = 0 AND EXISTS (SELECT 1 FROM unchanged) RETURNING book_id, quantity
  ), restocked AS (
    UPDATE books SET stock = books.stock + released.quantity FROM released WHERE books.id = released.book_id
  ), written AS (
    UPDATE orders SET status = $2, updated_at = $3, version = $4 WHERE $5::boolean AND id = $1 AND version = $6
    RETURNING 1
  ), logged AS (
    ${INSERT_EVENTS(7)} WHERE EXISTS (SELECT 1 FROM written)
  )
  SELECT EXISTS (SELECT 1 FROM unchanged) AS unchanged, true AS holds, NULL::integer AS available`;

interface WriteRow {
  unchanged: boolean;
  holds: boolean;
  available: number | null;
}

/**
 * `OrderRepository.update` in one transaction and two round trips: BEGIN with the order's row lock and hold, then
 * the order's new row with its stock move and its event, and COMMIT. The row lock holds off every other replica's
 * change to this order until commit, so `change` always sees the latest version; the version guard states that
 * and costs nothing.
 *
 * The row lock is the transaction's first statement after the order's advisory lock (QUEUE_ON_ORDER), and locking
 * a row assigns the xid: so this change's xid is taken after the previous change of the order got its own (that one
 * has committed), and its event sorts after that one's in the feed (see PostgresEventLog). Keep the locks first.
 */
export async function updateOrder(
  db: PostgresDatabase,
  id: OrderId,
  change: OrderChange,
  outbox: Outbox,
): Promise<E.Either<OrderError, Order>> {
  // `change` is pure, so running it again on a fresh read after the server rolled back is safe.
  const scope = writeScope(outbox);
  const result = await retryingConflicts(() => db.transaction((sql) => changeLocked(sql, id, change, scope), E.isRight));
  if (E.isRight(result)) scope.committed();
  return result;
}

async function changeLocked(
  sql: TransactionSql,
  id: OrderId,
  change: OrderChange,
  outbox: WriteScope,
): Promise<E.Either<OrderError, Order>> {
  // Sent together (the connection pipelines): no round trip of its own.
  const [, { rows }] = await Promise.all([
    sql.query(QUEUE_ON_ORDER, [id]),
    sql.query<OrderRow & { returned: number | null }>(LOCK_ORDER, [id]),
  ]);
  const row = rows[0];
  if (!row) return E.left(orderNotFound(id));
  const current = toOrder(row);
  const changed = change(current);
  if (E.isLeft(changed)) return changed;
  const next = changed.right;
  const writes = next !== current;
  const hold: HoldState = row.returned === null ? 'none' : row.returned === 0 ? 'held' : 'returned';
  if (!writes && stockMoveFor(next.status, hold) === 'none') return changed;

  const o = next.toSnapshot();
  const announced = orderChangeOf(current, next);
  const event = announced ? packEvent(outbox.render(announced)) : '';
  const { rows: [result] } = holdsStock(o.status)
    ? await sql.commitWith<WriteRow>(WRITE_HOLDING,
      [id, o.bookId, o.quantity, o.status, o.updatedAt, o.version, writes, current.version, event])
    : await sql.commitWith<WriteRow>(WRITE_RELEASED, [id, o.status, o.updatedAt, o.version, writes, current.version, event]);
  const { unchanged, holds, available } = result!;
  if (!unchanged) throw new Error(`order ${id} changed under a row lock`);
  if (!holds) return E.left(available === null ? bookNotFound(o.bookId) : insufficientStock(o.bookId, o.quantity, available));
  return changed;
}
