import { cloudEventRenderer, type EventRenderer } from '../events/cloud-event.js';
import type { StorageBackend } from '../storage-backend.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { PostgresEventLog } from './postgres-event-log.adapter.js';
import { PostgresCatalog } from './postgres-catalog.adapter.js';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.adapter.js';
import { PostgresInventory } from './postgres-inventory.adapter.js';
import { migrate } from './postgres-migrations.js';
import { PostgresOrderRepository } from './postgres-order-repository.adapter.js';
import { PostgresStaleOrders } from './postgres-stale-orders.adapter.js';

/**
 * A shared PostgreSQL database: what several replicas need, since the embedded store belongs to one process.
 * Brings the schema up to date before opening the pool, so a replica never serves an older schema.
 */
export async function openPostgresBackend(options: PostgresOptions & { readonly render?: EventRenderer }): Promise<StorageBackend> {
  await migrate(options);
  const database = PostgresDatabase.open(options);
  const inventory = new PostgresInventory(database);
  const events = new PostgresEventLog(database, { ...options, render: options.render ?? cloudEventRenderer() });
  return {
    name: 'postgres',
    orders: new PostgresOrderRepository(database, events.outbox),
    inventory,
    events,
    staleOrders: new PostgresStaleOrders(database),
    idempotency: new PostgresIdempotencyStore(database),
    catalog: inventory,
    books: new PostgresCatalog(database, inventory, events.outbox),
    check: () => database.ping(),
    close: async () => {
      await events.close();
      await database.close();
    },
  };
}
