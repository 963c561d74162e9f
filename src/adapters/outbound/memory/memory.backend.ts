import type { StorageBackend } from '../storage-backend.js';
import { MemoryInventory } from './memory-inventory.adapter.js';
import { MemoryOrderRepository } from './memory-order-repository.adapter.js';

/** Everything in process memory: for tests, demos and benchmarks. Nothing survives a restart. */
export function openMemoryBackend(): StorageBackend {
  const inventory = new MemoryInventory();
  return {
    name: 'memory',
    orders: new MemoryOrderRepository(),
    inventory,
    catalog: inventory,
    check: async () => {},
    close: async () => {},
  };
}
