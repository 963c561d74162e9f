import * as E from 'fp-ts/lib/Either.js';
import type { Order } from '../../../domain/order.js';
import { bookNotFound, insufficientStock } from '../../../domain/order-error.js';
import { holdsStock } from '../../../domain/order-status.js';
import { orderChangeOf } from '../../../domain/order-event.js';
import type { StockRefusal } from '../../../domain/ports/order-repository.port.js';
import type { EventRenderer } from '../events/cloud-event.js';
import { ORDER_COLUMNS } from '../order-columns.js';
import type { PostgresDatabase } from './postgres-database.js';
import { INSERT_EVENTS, packEvent, packEvents } from './postgres-outbox.js';

/** One call of `place`: the order, and the order to store instead when its stock is not there. */
export interface Placement {
  readonly order: Order;
  readonly refused: (reason: StockRefusal) => Order;
}

/** What became of one placement: its answer, or the bug that kept it out of the transaction. */
export type PlacementOutcome = { readonly answer: E.Either<StockRefusal, Order> } | { readonly error: unknown };

interface Decision {
  readonly outcome: PlacementOutcome;
  /** The row to insert, absent when the placement failed. */
  readonly stored?: Order;
  readonly holds: boolean;
  /** The event the stored order announces, rendered once and packed (see packEvent); none while it is pending. */
  readonly event?: string;
}

// Locked in id order, whoever asks: two transactions that want the same books never wait for each other in a circle.
const LOCK_BOOKS = 'SELECT id, stock FROM books WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE';

const WRITE = `WITH placed AS (
    INSERT INTO orders (${ORDER_COLUMNS})
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::bigint[], $7::text[],
                         $8::timestamptz[], $9::timestamptz[], $10::integer[])
  ), held AS (
    INSERT INTO stock_holds (order_id, book_id, quantity) SELECT * FROM unnest($11::text[], $12::text[], $13::integer[])
  ), logged AS (
    ${INSERT_EVENTS(16)}
  )
  UPDATE books SET stock = books.stock - taken.quantity
  FROM unnest($14::text[], $15::integer[]) AS taken (id, quantity) WHERE books.id = taken.id`;

/**
 * Places every order of the batch in one transaction and two round trips: BEGIN with the lock on the books they
 * want, then one statement that inserts every order, every hold, every event and every book's new stock, with
 * COMMIT. Which orders get their stock is decided here, in arrival order, on the locked stock: an order that does
 * not fit is refused and a later, smaller one may still fit.
 *
 * These are the first changes of their orders, so when this transaction gets its xid (at the book lock, or at the
 * insert when no order takes stock) does not matter to the feed's per-order order: no earlier event of these
 * orders exists, and any later change locks an order row that only exists once this commits (see
 * PostgresEventLog).
 */
export function placeInOneTransaction(
  db: PostgresDatabase,
  placements: readonly Placement[],
  render: EventRenderer,
): Promise<PlacementOutcome[]> {
  return db.transaction(async (sql) => {
    const wanted = [...new Set(placements.filter((p) => takesStock(p.order)).map((p) => p.order.bookId))];
    const stock = new Map<string, number>();
    if (wanted.length > 0) {
      const { rows } = await sql.query<{ id: string; stock: number }>(LOCK_BOOKS, [wanted]);
      for (const row of rows) stock.set(row.id, row.stock);
    }
    const decisions = decide(placements, stock, render);
    await sql.commitWith(WRITE, parameters(decisions));
    return decisions.map((d) => d.outcome);
  });
}

/** A new order has no hold yet: it takes stock when its status holds some. */
const takesStock = (order: Order): boolean => holdsStock(order.status);

function decide(placements: readonly Placement[], stock: Map<string, number>, render: EventRenderer): Decision[] {
  return placements.map(({ order, refused }) => {
    try {
      if (!takesStock(order)) return { outcome: { answer: E.right(order) }, stored: order, holds: false, ...eventOf(order, render) };
      const available = stock.get(order.bookId);
      if (available !== undefined && available >= order.quantity) {
        const decision = { outcome: { answer: E.right(order) }, stored: order, holds: true, ...eventOf(order, render) };
        stock.set(order.bookId, available - order.quantity);
        return decision;
      }
      const reason = available === undefined
        ? bookNotFound(order.bookId)
        : insufficientStock(order.bookId, order.quantity, available);
      const instead = refused(reason);
      if (holdsStock(instead.status)) throw new Error(`order ${order.id} was refused its stock, yet its refusal holds some`);
      return { outcome: { answer: E.left(reason) }, stored: instead, holds: false, ...eventOf(instead, render) };
    } catch (error) {
      // A bug in one caller's `refused` (or in rendering its event) fails that caller alone.
      return { outcome: { error }, holds: false };
    }
  });
}

/** A new order's event, rendered before its stock is counted as taken. */
function eventOf(stored: Order, render: EventRenderer): { event?: string } {
  const change = orderChangeOf(undefined, stored);
  return change ? { event: packEvent(render(change)) } : {};
}

function parameters(decisions: readonly Decision[]): unknown[] {
  const rows = decisions.flatMap((d) => (d.stored ? [d.stored.toSnapshot()] : []));
  const holds = decisions.flatMap((d) => (d.holds && d.stored ? [d.stored] : []));
  const taken = new Map<string, number>();
  for (const order of holds) taken.set(order.bookId, (taken.get(order.bookId) ?? 0) + order.quantity);
  return [
    rows.map((o) => o.id), rows.map((o) => o.bookId), rows.map((o) => o.userId), rows.map((o) => o.quantity),
    rows.map((o) => o.unitPrice), rows.map((o) => o.total), rows.map((o) => o.status), rows.map((o) => o.createdAt),
    rows.map((o) => o.updatedAt), rows.map((o) => o.version),
    holds.map((o) => o.id), holds.map((o) => o.bookId), holds.map((o) => o.quantity),
    [...taken.keys()], [...taken.values()],
    packEvents(decisions.flatMap((d) => (d.stored && d.event ? [d.event] : []))),
  ];
}
