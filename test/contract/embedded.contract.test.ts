import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { tempDir } from '../support/temp-dir.js';
import type { BackendFactory } from './backend-under-test.js';
import { inventoryContract } from './inventory.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';

const embedded: BackendFactory = {
  name: 'embedded (SQLite)',
  keepsAllFields: true,
  async open(books) {
    const dir = tempDir();
    const backend = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'full' });
    await backend.catalog!.seed(books);
    return {
      ...backend,
      close: async () => {
        await backend.close();
        dir.remove();
      },
    };
  },
};

orderRepositoryContract(embedded);
inventoryContract(embedded);
staleOrdersContract(embedded);
