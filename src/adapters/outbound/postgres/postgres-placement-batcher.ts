import type * as E from 'fp-ts/lib/Either.js';
import type { Order } from '../../../domain/order.js';
import type { StockRefusal } from '../../../domain/ports/order-repository.port.js';
import { CONFLICT_ATTEMPTS, isConflict, sqlStateOf, type PostgresDatabase } from './postgres-database.js';
import { writeScope, type Outbox } from './postgres-outbox.js';
import { placeInOneTransaction, type Placement } from './postgres-placement-batch.js';

export interface BatchLimits {
  /** Most placements one transaction carries. */
  readonly maxBatch: number;
  /** Most transactions of placements running at once, each on its own connection. */
  readonly inFlight: number;
}

interface Waiting extends Placement {
  resolve(answer: E.Either<StockRefusal, Order>): void;
  reject(error: unknown): void;
}

/**
 * Group commit for placements. Everything placed in one turn of the event loop goes out in one transaction; while
 * every slot is busy, new placements wait and go out together when one frees up. Under load a hot book's row is
 * then locked once per batch instead of once per order, and a replica pays one commit for many orders.
 */
export class PlacementBatcher {
  private waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: Outbox,
    private readonly limits: BatchLimits,
  ) {}

  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ order, refused, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.drain();
      });
    });
  }

  private drain(): void {
    while (this.running < this.limits.inFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.limits.maxBatch);
      this.running += 1;
      void this.settle(batch).finally(() => {
        this.running -= 1;
        this.drain();
      });
    }
  }

  /** Answers every placement of the batch; never rejects. */
  private async settle(batch: readonly Waiting[], attempt = 1): Promise<void> {
    try {
      const scope = writeScope(this.outbox);
      const outcomes = await placeInOneTransaction(this.db, batch, scope.render);
      scope.committed();
      outcomes.forEach((outcome, i) => ('answer' in outcome ? batch[i]!.resolve(outcome.answer) : batch[i]!.reject(outcome.error)));
    } catch (error) {
      if (isConflict(error) && attempt < CONFLICT_ATTEMPTS) return this.settle(batch, attempt + 1);
      // One order's data or constraint (a duplicate id) must not fail the others: halves are placed again, in
      // arrival order, until the culprit is alone.
      if (batch.length > 1 && isOnePlacementsFault(error)) {
        const half = Math.ceil(batch.length / 2);
        await this.settle(batch.slice(0, half));
        await this.settle(batch.slice(half));
        return;
      }
      for (const placement of batch) placement.reject(error);
    }
  }
}

/** Data exceptions and integrity violations: the server refused the rows, and it can say so for one row alone. */
const isOnePlacementsFault = (error: unknown): boolean => ['22', '23'].includes(sqlStateOf(error)?.slice(0, 2) ?? '');
