import type { CatalogSeeder, SeedBook } from '../../src/adapters/outbound/catalog/catalog-seeder.js';
import type { EventLog } from '../../src/application/ports/event-log.port.js';
import type { OrderId } from '../../src/domain/identifiers.js';
import type { CatalogPort } from '../../src/domain/ports/catalog.port.js';
import type { InventoryPort } from '../../src/domain/ports/inventory.port.js';
import type { OrderRepository } from '../../src/domain/ports/order-repository.port.js';
import type { StaleOrders } from '../../src/domain/ports/stale-orders.port.js';

/** One adapter set opened for a test, with the books given already in its catalog. */
export interface BackendUnderTest {
  readonly orders: OrderRepository;
  readonly inventory: InventoryPort;
  readonly events: EventLog;
  readonly books?: CatalogPort;
  readonly catalog?: CatalogSeeder;
  readonly staleOrders?: StaleOrders;
  /**
   * Writes the order as cancelled at `at` behind the port's back, leaving its stock held: what a release cut off
   * half way leaves in a store without transactions, or what an older version of the service left behind.
   */
  interruptRelease(id: OrderId, at: Date): Promise<void>;
  close(): Promise<void>;
}

export interface BackendFactory {
  readonly name: string;
  /** False for backends whose store cannot keep every field (the storage service keeps no version or updatedAt). */
  readonly keepsAllFields: boolean;
  open(books: readonly SeedBook[]): Promise<BackendUnderTest>;
}
