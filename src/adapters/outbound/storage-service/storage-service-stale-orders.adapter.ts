import type { OrderId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { releasesStock } from '../../../domain/order-status.js';
import type { StaleOrders } from '../../../domain/ports/stale-orders.port.js';
import type { StoredOrder } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';
import type { StorageServiceOutbox } from './storage-service-outbox.js';

/**
 * Recovery's queries over the full order listing (the storage service has no other). Records keep no updatedAt:
 * a pending order's age is its creation time, which is when it last changed status; released orders still
 * holding stock are all returned, whatever their age. The listing also settles every event intent whose write's
 * outcome was unknown (see StorageServiceOutbox).
 */
export class StorageServiceStaleOrders implements StaleOrders {
  constructor(private readonly records: OrderRecords, private readonly outbox: StorageServiceOutbox) {}

  async abandonedPending(before: Date, limit: number): Promise<readonly Order[]> {
    return oldestFirst((await this.readable()).filter((s) => s.order.status === 'pending' && s.order.createdAt < before), limit);
  }

  async releasedStillHolding(_since: Date, limit: number): Promise<readonly Order[]> {
    const holding = (s: StoredOrder) => s.hold.kind !== 'free' && s.hold.kind !== 'done';
    return oldestFirst((await this.readable()).filter((s) => releasesStock(s.order.status) && holding(s)), limit);
  }

  /** Records that are not orders of ours are none of recovery's business. */
  private async readable(): Promise<StoredOrder[]> {
    const doubtful = this.outbox.due(); // only what was in doubt before the listing was asked for
    const entries = await this.records.all();
    const unreadable = new Set<unknown>();
    const stored = entries.flatMap((entry) => {
      try {
        return [entry.decode()];
      } catch {
        unreadable.add(entry.id);
        return [];
      }
    });
    if (doubtful.length > 0) {
      const byId = new Map<OrderId, StoredOrder>(stored.map((s) => [s.order.id, s]));
      this.outbox.settle(doubtful, (id) => (unreadable.has(id) ? undefined : byId.get(id) ?? 'absent'));
    }
    return stored;
  }
}

const oldestFirst = (stored: StoredOrder[], limit: number): Order[] =>
  stored
    .map((s) => s.order)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
