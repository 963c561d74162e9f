import { MemoryIdempotencyStore } from './memory-idempotency-store.adapter.js';
import type { StorageBackend } from '../storage-backend.js';
import { MemoryInventory } from './memory-inventory.adapter.js';
import { MemoryOrderRepository } from './memory-order-repository.adapter.js';
import { MemoryStaleOrders } from './memory-stale-orders.adapter.js';

/** Everything in process memory: for tests, demos and benchmarks. Nothing survives a restart. */
export function openMemoryBackend(): StorageBackend {
  const inventory = new MemoryInventory();
  const orders = new MemoryOrderRepository(inventory);
  return {
    name: 'memory',
    orders,
    inventory,
    idempotency: new MemoryIdempotencyStore(),
    staleOrders: new MemoryStaleOrders(orders, inventory),
    catalog: inventory,
    check: async () => {},
    close: async () => {},
  };
}
