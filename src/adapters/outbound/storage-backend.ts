import type { InventoryPort } from '../../domain/ports/inventory.port.js';
import type { OrderRepository } from '../../domain/ports/order-repository.port.js';
import type { CatalogSeeder } from './catalog/catalog-seeder.js';

/** One storage technology's adapters, opened together: what the composition root needs from a backend. */
export interface StorageBackend {
  readonly name: string;
  readonly orders: OrderRepository;
  readonly inventory: InventoryPort;
  /** Present when the backend keeps its own catalog and can be seeded from INVENTORY_SEED_FILE. */
  readonly catalog?: CatalogSeeder;
  /** Resolves when the store answers; rejects otherwise. Backs /health/ready. */
  check(): Promise<void>;
  close(): Promise<void>;
}
