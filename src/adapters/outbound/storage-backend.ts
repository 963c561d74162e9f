import type { EventLog } from '../../application/ports/event-log.port.js';
import type { IdempotencyStore } from '../../application/ports/idempotency-store.port.js';
import type { CatalogPort } from '../../domain/ports/catalog.port.js';
import type { InventoryPort } from '../../domain/ports/inventory.port.js';
import type { OrderRepository } from '../../domain/ports/order-repository.port.js';
import type { StaleOrders } from '../../domain/ports/stale-orders.port.js';
import type { CatalogSeeder } from './catalog/catalog-seeder.js';

/** One storage technology's adapters, opened together: what the composition root needs from a backend. */
export interface StorageBackend {
  readonly name: string;
  readonly orders: OrderRepository;
  readonly inventory: InventoryPort;
  /** The events the orders' writes recorded: the feed reads them, the relay publishes them. */
  readonly events: EventLog;
  /** Where Idempotency-Key outcomes are kept; without one, the service keeps them in process memory. */
  readonly idempotency?: IdempotencyStore;
  /** Recovery's queries; a backend without them cannot run POST /orders/batch-process. */
  readonly staleOrders?: StaleOrders;
  /** The catalog operators manage through /books: books, their details and stock adjustments. */
  readonly books?: CatalogPort;
  /** Present when the backend keeps its own catalog and can be seeded from INVENTORY_SEED_FILE. */
  readonly catalog?: CatalogSeeder;
  /** Resolves when the store answers; rejects otherwise. Backs /health/ready. */
  check(): Promise<void>;
  close(): Promise<void>;
}
