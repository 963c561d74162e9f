import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import { settledReads } from '../postgres/settled-reads.js';
import { createTestDatabase } from '../support/postgres-database.js';
import type { BackendFactory } from './backend-under-test.js';
import { catalogContract } from './catalog.contract.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';
import { orderEventsContract } from './order-events.contract.js';
import { orderStockContract } from './order-stock.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';

const OPTIONS = { poolMax: 5, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 };

const postgres: BackendFactory = {
  name: 'PostgreSQL',
  keepsAllFields: true,
  async open(books) {
    const database = await createTestDatabase();
    const backend = await openPostgresBackend({ url: database.url, ...OPTIONS });
    await backend.catalog!.seed(books);
    // The feed waits for every older transaction on the server, other test files' too: see settledReads.
    const events = settledReads(backend.events, database.url);
    return {
      ...backend,
      events,
      interruptRelease: async (id, at) => {
        await database.query("UPDATE orders SET status = 'cancelled', updated_at = $1, version = version + 1 WHERE id = $2", [at, id]);
      },
      close: async () => {
        await events.close();
        await backend.close();
        await database.drop();
      },
    };
  },
};

orderRepositoryContract(postgres);
orderStockContract(postgres);
staleOrdersContract(postgres);
orderEventsContract(postgres);
catalogContract(postgres);

idempotencyStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const backend = await openPostgresBackend({ url: database.url, ...OPTIONS });
  return {
    store: backend.idempotency!,
    close: async () => {
      await backend.close();
      await database.drop();
    },
  };
});
