import type * as E from 'fp-ts/lib/Either.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import type { OrderError } from '../../../domain/order-error.js';
import { ORDER_STATUSES, type OrderStatus } from '../../../domain/order-status.js';
import type {
  OrderChange,
  OrderListPosition,
  OrderRepository,
  StockRefusal,
} from '../../../domain/ports/order-repository.port.js';
import { BatchedReads } from './batched-reads.js';
import type { PostgresDatabase } from './postgres-database.js';
import { updateOrder } from './postgres-order-update.js';
import { quietOutbox, type Outbox } from './postgres-outbox.js';
import { PlacementBatcher, type BatchLimits } from './postgres-placement-batcher.js';
import { ORDER_COLUMNS as COLUMNS, toOrder, type OrderRow } from '../order-columns.js';

// Both list queries walk orders_by_user (user_id, created_at DESC, id DESC) in index order: no sort, and a page
// costs its own size whatever the user's history (see the EXPLAIN check in test/postgres).
const FIRST_PAGE = `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 AND (created_at, id) < ($3, $4)
  ORDER BY created_at DESC, id DESC LIMIT $2`;
// The fulfilment queue walks orders_queue_by_status (status, created_at, id). Across every status it merges one
// such walk per status, each stopping at the page size: never a scan or a sort of all orders, and no second index
// on (created_at, id) for every placement to maintain (nor for the user-list query's planner to stray onto).
const walk = (status: string, after: boolean) => `(SELECT ${COLUMNS} FROM orders WHERE status = ${status}
  ${after ? 'AND (created_at, id) > ($3, $4)' : ''} ORDER BY created_at, id LIMIT $1)`;
const QUEUES = [false, true].flatMap((inStatus) => [false, true].map((after) => inStatus
  ? walk('$2', after)
  : `SELECT * FROM (${ORDER_STATUSES.map((status) => walk(`'${status}'`, after)).join(' UNION ALL ')}) merged
     WHERE $2::text IS NULL ORDER BY created_at, id LIMIT $1`));

/**
 * How many placement transactions a replica runs at once. Two: one fills while the other commits, so a batch never
 * waits for a WAL flush it could share. More only splits the orders into smaller batches that queue on the same
 * books' row locks: at 64 connections on 2 cores, in one interleaved run, 2 in flight placed 4,654 orders/s and 9 in
 * flight 2,493. And one connection is always left to reads and updates, which a placement waits for as often as not.
 */
const placementsInFlight = (poolSize: number): number => Math.max(1, Math.min(2, poolSize - 1));

/**
 * Orders, their holds in `stock_holds`, the books' stock and the events in `events`, each write in one transaction
 * that the row locks serialise, so no interleaving of replicas can oversell, take twice or give back twice, and an
 * event is committed if and only if its change is. Placements share transactions (see PlacementBatcher).
 */
export class PostgresOrderRepository implements OrderRepository {
  private readonly placements: PlacementBatcher;
  private readonly byId: BatchedReads<string, OrderRow>;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: Outbox = quietOutbox(),
    limits: BatchLimits = { maxBatch: 500, inFlight: placementsInFlight(db.poolSize) },
  ) {
    this.placements = new PlacementBatcher(db, outbox, limits);
    // The orders asked for in one turn are read with one statement, as the inventory reads books; each caller
    // decodes its own row, so a row this code cannot read fails only the reads of that order.
    this.byId = new BatchedReads(async (ids) => {
      const { rows } = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = ANY($1::text[])`, [ids]);
      return new Map(rows.map((row) => [row.id, row]));
    });
  }

  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    return this.placements.place(order, refused);
  }

  async findById(id: OrderId): Promise<Order | undefined> {
    const row = await this.byId.get(id);
    return row && toOrder(row);
  }

  async listByUser(userId: UserId, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    const { rows } = after
      ? await this.db.query<OrderRow>(PAGE_AFTER, [userId, limit, after.createdAt, after.id])
      : await this.db.query<OrderRow>(FIRST_PAGE, [userId, limit]);
    return rows.map(toOrder);
  }

  async listByStatus(status: OrderStatus | undefined, limit: number, after?: OrderListPosition): Promise<readonly Order[]> {
    const sql = QUEUES[(status === undefined ? 0 : 2) + (after ? 1 : 0)]!;
    const { rows } = await this.db.query<OrderRow>(sql, [limit, status ?? null, ...(after ? [after.createdAt, after.id] : [])]);
    return rows.map(toOrder);
  }

  update(id: OrderId, change: OrderChange): Promise<E.Either<OrderError, Order>> {
    return updateOrder(this.db, id, change, this.outbox);
  }
}
