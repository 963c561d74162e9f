import type { StorageBackend } from '../storage-backend.js';
import { BookStockSaga } from './book-stock-saga.js';
import { FRESH_STOCK_MS, StockSightings } from './stock-sightings.js';
import { StorageServiceApi } from './storage-service-api.js';
import { StorageServiceClient, type StorageClientOptions } from './storage-service-client.js';
import { StorageServiceInventory } from './storage-service-inventory.adapter.js';
import { OrderRecords } from './storage-order-records.js';
import { StorageServiceOrderRepository } from './storage-service-order-repository.adapter.js';
import { StorageServiceStaleOrders } from './storage-service-stale-orders.adapter.js';

export interface StorageServiceOptions extends StorageClientOptions {
  /** How long a stock seen by this process stands for the current one (FRESH_STOCK_MS); 0 reads it every time. */
  readonly freshStockMs?: number;
}

/**
 * The AvaKart storage service over HTTP. It owns the books, so there is no catalog to seed; it has nowhere to keep
 * idempotency keys, so those stay in process. Opening makes no call: the service starts while the storage service
 * is down, and /health/ready says so until it answers.
 */
export function openStorageServiceBackend(options: StorageServiceOptions): StorageBackend {
  const client = new StorageServiceClient(options);
  const api = new StorageServiceApi(client);
  const records = new OrderRecords(api);
  const sightings = new StockSightings(options.freshStockMs ?? FRESH_STOCK_MS);
  const stock = new BookStockSaga(api, records, sightings, {
    maxWaitingPerBook: options.queueLimit,
    parallelWrites: options.maxConcurrency,
  });
  return {
    name: 'storage-service',
    orders: new StorageServiceOrderRepository(records, stock),
    inventory: new StorageServiceInventory(api, sightings),
    staleOrders: new StorageServiceStaleOrders(records),
    check: () => api.ready(),
    close: async () => client.close(),
  };
}
