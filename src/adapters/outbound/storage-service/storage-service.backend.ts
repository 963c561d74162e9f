import type { EventRenderer } from '../events/cloud-event.js';
import type { StorageBackend } from '../storage-backend.js';
import { BookStockSaga } from './book-stock-saga.js';
import { IntentSettler } from './intent-settler.js';
import { FRESH_STOCK_MS, StockSightings } from './stock-sightings.js';
import { StorageServiceApi } from './storage-service-api.js';
import { StorageServiceCatalog } from './storage-service-catalog.adapter.js';
import { StorageServiceClient, type StorageClientOptions } from './storage-service-client.js';
import { StorageServiceInventory } from './storage-service-inventory.adapter.js';
import { OrderRecords } from './storage-order-records.js';
import { StorageServiceOrderRepository } from './storage-service-order-repository.adapter.js';
import { StorageServiceOutbox } from './storage-service-outbox.js';
import { StorageServiceStaleOrders } from './storage-service-stale-orders.adapter.js';

/** Where the outbox lives when no DATA_DIR is given: the configuration's default. */
export const DEFAULT_DATA_DIR = './data';

export interface StorageServiceOptions extends StorageClientOptions {
  /** How long a stock seen by this process stands for the current one (FRESH_STOCK_MS); 0 reads it every time. */
  readonly freshStockMs?: number;
  /** Where the local outbox of events lives (DATA_DIR); DEFAULT_DATA_DIR when absent. */
  readonly dataDir?: string;
  /** How events are rendered for the outbox; the default CloudEvents renderer when absent. */
  readonly render?: EventRenderer;
  /**
   * How long an event whose write's outcome is unknown waits before the background or recovery settles it from the
   * order's record (a write that timed out may still be applied): twice the call timeout, at least a second.
   */
  readonly intentGraceMs?: number;
}

/**
 * The AvaKart storage service over HTTP. It owns the books, so there is no catalog to seed (operators manage them
 * through `books`, StorageServiceCatalog); it has nowhere to keep
 * idempotency keys, so those stay in process, and nowhere to keep events, so those go through a local outbox
 * under DATA_DIR. Opening makes no call: the service starts while the storage service is down, and /health/ready
 * says so until it answers.
 */
export function openStorageServiceBackend(options: StorageServiceOptions): StorageBackend {
  const client = new StorageServiceClient(options);
  const api = new StorageServiceApi(client);
  const graceMs = options.intentGraceMs ?? Math.max(1_000, 2 * options.timeoutMs);
  const outbox = StorageServiceOutbox.open(options.dataDir ?? DEFAULT_DATA_DIR, graceMs, options.render);
  const records = new OrderRecords(api, outbox);
  const sightings = new StockSightings(options.freshStockMs ?? FRESH_STOCK_MS);
  const stock = new BookStockSaga(api, records, sightings, {
    maxWaitingPerBook: options.queueLimit,
    parallelWrites: options.maxConcurrency,
  }, outbox);
  const settler = new IntentSettler(outbox, records);
  return {
    name: 'storage-service',
    orders: new StorageServiceOrderRepository(records, stock, outbox),
    events: outbox.events,
    inventory: new StorageServiceInventory(api, sightings),
    // Books and stock adjustments, inside the saga's per-book line (versions and the ledger in the local outbox).
    books: new StorageServiceCatalog(api, stock, outbox),
    staleOrders: new StorageServiceStaleOrders(records, outbox),
    check: async () => {
      outbox.ping();
      await api.ready();
    },
    close: async () => {
      settler.stop();
      client.close();
      outbox.close();
    },
  };
}
