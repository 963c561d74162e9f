import type { Order } from '../../../domain/order.js';
import { releasesStock } from '../../../domain/order-status.js';
import type { StaleOrders } from '../../../domain/ports/stale-orders.port.js';
import type { StoredOrder } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';

/**
 * Recovery's queries over the full order listing (the storage service has no other). Records keep no updatedAt:
 * a pending order's age is its creation time, which is when it last changed status; released orders still
 * holding stock are all returned, whatever their age.
 */
export class StorageServiceStaleOrders implements StaleOrders {
  constructor(private readonly records: OrderRecords) {}

  async abandonedPending(before: Date, limit: number): Promise<readonly Order[]> {
    return oldestFirst((await this.readable()).filter((s) => s.order.status === 'pending' && s.order.createdAt < before), limit);
  }

  async releasedStillHolding(_since: Date, limit: number): Promise<readonly Order[]> {
    const holding = (s: StoredOrder) => s.hold.kind !== 'free' && s.hold.kind !== 'done';
    return oldestFirst((await this.readable()).filter((s) => releasesStock(s.order.status) && holding(s)), limit);
  }

  /** Records that are not orders of ours are none of recovery's business. */
  private async readable(): Promise<StoredOrder[]> {
    return (await this.records.all()).flatMap((entry) => {
      try {
        return [entry.decode()];
      } catch {
        return [];
      }
    });
  }
}

const oldestFirst = (stored: StoredOrder[], limit: number): Order[] =>
  stored
    .map((s) => s.order)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
