import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import { inventoryContract } from './inventory.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';
import type { BackendFactory } from './backend-under-test.js';

const memory: BackendFactory = {
  name: 'memory',
  keepsAllFields: true,
  async open(books) {
    const backend = openMemoryBackend();
    await backend.catalog!.seed(books);
    return backend;
  },
};

orderRepositoryContract(memory);
inventoryContract(memory);
staleOrdersContract(memory);
