import type { Order } from '../../../domain/order.js';

/**
 * The orders this process last read or wrote, by id, as its connection sees them: a get of one of them needs no
 * SQLite statement. Reading a row cost the store three times what the same read costs in a tight loop, because
 * between two requests the rest of the service has pushed SQLite out of the CPU's caches.
 *
 * It is correct only because this process is the only writer of the orders table (the README's "a file owned by
 * one process"): every write of an order goes through the repository, which keeps the new version here, and any
 * rollback forgets everything. At most `capacity` orders are kept; the oldest kept goes first.
 */
export class RecentOrders {
  private readonly orders = new Map<string, Order>();

  constructor(private readonly capacity: number) {}

  get(id: string): Order | undefined {
    return this.orders.get(id);
  }

  keep(order: Order): void {
    // Deleted first, so that a kept order moves to the end: Map keys run in insertion order, oldest first.
    if (!this.orders.delete(order.id) && this.orders.size >= this.capacity) this.orders.delete(this.orders.keys().next().value!);
    this.orders.set(order.id, order);
  }

  forgetAll(): void {
    this.orders.clear();
  }

  get size(): number {
    return this.orders.size;
  }
}
