import type { Order } from '../../../domain/order.js';
import { releasesStock } from '../../../domain/order-status.js';
import type { StaleOrders } from '../../../domain/ports/stale-orders.port.js';
import type { MemoryInventory } from './memory-inventory.adapter.js';
import type { MemoryOrderRepository } from './memory-order-repository.adapter.js';

/** Recovery queries over the memory backend: a scan, which is fine for what this backend is for. */
export class MemoryStaleOrders implements StaleOrders {
  constructor(
    private readonly orders: MemoryOrderRepository,
    private readonly inventory: MemoryInventory,
  ) {}

  async abandonedPending(before: Date, limit: number): Promise<readonly Order[]> {
    return this.oldestFirst((o) => o.status === 'pending' && o.toSnapshot().updatedAt < before, limit);
  }

  async releasedStillHolding(since: Date, limit: number): Promise<readonly Order[]> {
    return this.oldestFirst(
      (o) => releasesStock(o.status) && o.toSnapshot().updatedAt >= since && this.inventory.isHolding(o.id),
      limit,
    );
  }

  private oldestFirst(keep: (order: Order) => boolean, limit: number): readonly Order[] {
    return this.orders
      .all()
      .filter(keep)
      .sort((a, b) => a.toSnapshot().updatedAt.getTime() - b.toSnapshot().updatedAt.getTime())
      .slice(0, limit);
  }
}
