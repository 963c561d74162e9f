import { MemoryIdempotencyStore } from './memory-idempotency-store.adapter.js';
import type { StorageBackend } from '../storage-backend.js';
import type { EventRenderer } from '../events/cloud-event.js';
import { MemoryEventLog } from './memory-event-log.adapter.js';
import { MemoryInventory } from './memory-inventory.adapter.js';
import { MemoryOrderRepository } from './memory-order-repository.adapter.js';
import { MemoryStaleOrders } from './memory-stale-orders.adapter.js';

/** Everything in process memory: for tests, demos and benchmarks. Nothing survives a restart. */
export function openMemoryBackend(options: { readonly render?: EventRenderer } = {}): StorageBackend {
  const events = new MemoryEventLog(options.render);
  const inventory = new MemoryInventory(events);
  const orders = new MemoryOrderRepository(inventory, events);
  return {
    name: 'memory',
    orders,
    inventory,
    events,
    idempotency: new MemoryIdempotencyStore(),
    staleOrders: new MemoryStaleOrders(orders, inventory),
    catalog: inventory,
    books: inventory,
    check: async () => {},
    close: async () => {},
  };
}
