import type { StorageBackend } from '../storage-backend.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.adapter.js';
import { PostgresInventory } from './postgres-inventory.adapter.js';
import { migrate } from './postgres-migrations.js';
import { PostgresOrderRepository } from './postgres-order-repository.adapter.js';
import { PostgresStaleOrders } from './postgres-stale-orders.adapter.js';

/**
 * A shared PostgreSQL database: what several replicas need, since the embedded store belongs to one process.
 * Brings the schema up to date before opening the pool, so a replica never serves an older schema.
 */
export async function openPostgresBackend(options: PostgresOptions): Promise<StorageBackend> {
  await migrate(options);
  const database = PostgresDatabase.open(options);
  const inventory = new PostgresInventory(database);
  return {
    name: 'postgres',
    orders: new PostgresOrderRepository(database),
    inventory,
    staleOrders: new PostgresStaleOrders(database),
    idempotency: new PostgresIdempotencyStore(database),
    catalog: inventory,
    check: () => database.ping(),
    close: () => database.close(),
  };
}
