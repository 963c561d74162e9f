import * as E from 'fp-ts/lib/Either.js';
import type { Order } from '../domain/order.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { OrderChange, OrderRepository } from '../domain/ports/order-repository.port.js';
import type { StaleOrders } from '../domain/ports/stale-orders.port.js';

export interface SettlementPolicy {
  /** A pending order older than this was abandoned mid-way (crash, dependency fault, timeout): it expires. */
  readonly pendingTimeoutMs: number;
  /** How far back to look for released orders whose stock did not go back; longer than the gap between runs. */
  readonly releaseLookbackMs: number;
}

export interface SettlementReport {
  /** Orders looked at. */
  readonly processed: number;
  /** Pending orders moved to expired, their stock (if any) given back. */
  readonly expired: number;
  /** Cancelled, rejected or expired orders whose stock was (again) given back. */
  readonly released: number;
  /** Orders another worker changed first; they are left to it. */
  readonly skipped: number;
}

/**
 * Settles what a crash or a dependency fault left half done: on a store without transactions, an order recorded
 * but never confirmed, or released without its stock going back. Expiring an order gives back whatever it holds,
 * in the repository's write. Every step is idempotent (status changes are compare-and-set, giving back is once per
 * order), so running it twice, or on two replicas at once, is safe.
 */
export class SettleOrders {
  constructor(
    private readonly orders: OrderRepository,
    private readonly stale: StaleOrders,
    private readonly clock: Clock,
    private readonly policy: SettlementPolicy,
  ) {}

  async execute(limit: number): Promise<SettlementReport> {
    const cutoff = new Date(this.clock.now().getTime() - this.policy.pendingTimeoutMs);
    const abandoned = await this.stale.abandonedPending(cutoff, limit);
    let expired = 0;
    let skipped = 0;
    for (const order of abandoned) {
      let expiredNow = false;
      await this.orders.update(order.id, (current) => {
        expiredNow = false; // the change may run again on a newer version: only the last run counts
        if (current.status !== 'pending') return E.right(current);
        const next = current.moveTo('expired', this.clock.now());
        expiredNow = E.isRight(next);
        return next;
      });
      if (expiredNow) expired += 1;
      else skipped += 1;
    }

    // A release that crashed between storing the status and giving the stock back is finished here.
    const since = new Date(this.clock.now().getTime() - this.policy.releaseLookbackMs);
    const released = await this.stale.releasedStillHolding(since, Math.max(0, limit - abandoned.length));
    for (const order of released) await this.orders.update(order.id, asItIs);

    return { processed: abandoned.length + released.length, expired, released: released.length, skipped };
  }
}

/** Changes nothing: the repository still brings the order's stock in line with its status, which is the point. */
const asItIs: OrderChange = (order) => E.right(order);
