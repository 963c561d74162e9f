import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { tempDir } from '../support/temp-dir.js';
import type { BackendFactory } from './backend-under-test.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { orderStockContract } from './order-stock.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';

const embedded: BackendFactory = {
  name: 'embedded (SQLite)',
  keepsAllFields: true,
  async open(books) {
    const dir = tempDir();
    const backend = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'full' });
    await backend.catalog!.seed(books);
    let side: Database.Database | undefined;
    return {
      ...backend,
      // A second connection to the same file, as a crashed older version would have left the row.
      interruptRelease: async (id, at) => {
        side ??= new Database(join(dir.path, 'orders.sqlite3'), { timeout: 5_000 });
        side.prepare("UPDATE orders SET status = 'cancelled', updated_at = ?, version = version + 1 WHERE id = ?").run(at.getTime(), id);
      },
      close: async () => {
        side?.close();
        await backend.close();
        dir.remove();
      },
    };
  },
};

orderRepositoryContract(embedded);
orderStockContract(embedded);
staleOrdersContract(embedded);
