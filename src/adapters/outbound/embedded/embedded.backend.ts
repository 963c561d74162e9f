import { SqliteIdempotencyStore } from './sqlite-idempotency-store.adapter.js';
import type { StorageBackend } from '../storage-backend.js';
import { SqliteCatalog } from './sqlite-catalog.adapter.js';
import { SqliteDatabase, type SqliteOptions } from './sqlite-database.js';
import { SqliteEventLog } from './sqlite-event-log.adapter.js';
import { SqliteInventory } from './sqlite-inventory.adapter.js';
import { SqliteOrderRepository } from './sqlite-order-repository.adapter.js';
import { SqliteStaleOrders } from './sqlite-stale-orders.adapter.js';

/** The default backend: one SQLite file under DATA_DIR, durable across restarts and kill -9. */
export function openEmbeddedBackend(options: SqliteOptions): StorageBackend {
  const database = SqliteDatabase.open(options);
  const inventory = new SqliteInventory(database);
  const events = new SqliteEventLog(database, options.render);
  return {
    name: 'embedded',
    orders: new SqliteOrderRepository(database, events),
    inventory,
    events,
    idempotency: new SqliteIdempotencyStore(database),
    staleOrders: new SqliteStaleOrders(database),
    catalog: inventory,
    books: new SqliteCatalog(database, events),
    check: async () => database.ping(),
    close: async () => database.close(),
  };
}
