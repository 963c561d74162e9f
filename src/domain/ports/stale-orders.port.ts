import type { Order } from '../order.js';

/** The orders recovery has to finish: what a crash or a dependency fault left half done. */
export interface StaleOrders {
  /** Pending orders last changed before `before`, oldest first: abandoned between recording and confirming. */
  abandonedPending(before: Date, limit: number): Promise<readonly Order[]>;

  /**
   * Cancelled, rejected or expired orders changed since `since` whose stock is still held: the give-back did not
   * happen. The window keeps the query proportional to recent releases, not to every order ever released.
   */
  releasedStillHolding(since: Date, limit: number): Promise<readonly Order[]>;
}
