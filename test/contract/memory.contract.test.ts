import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { MemoryOrderRepository } from '../../src/adapters/outbound/memory/memory-order-repository.adapter.js';
import type { OrderSnapshot } from '../../src/domain/order.js';
import { catalogContract } from './catalog.contract.js';
import { orderEventsContract } from './order-events.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { orderStockContract } from './order-stock.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';
import type { BackendFactory } from './backend-under-test.js';

const memory: BackendFactory = {
  name: 'memory',
  keepsAllFields: true,
  async open(books) {
    const backend = openMemoryBackend();
    await backend.catalog!.seed(books);
    // The order's record, reached past the port: nothing else can store a status without its stock.
    const records = (backend.orders as MemoryOrderRepository as unknown as { orders: Map<string, OrderSnapshot> }).orders;
    return {
      ...backend,
      interruptRelease: async (id, at) => {
        records.set(id, { ...records.get(id)!, status: 'cancelled', updatedAt: at, version: records.get(id)!.version + 1 });
      },
    };
  },
};

orderRepositoryContract(memory);
orderStockContract(memory);
staleOrdersContract(memory);
orderEventsContract(memory);
catalogContract(memory);
