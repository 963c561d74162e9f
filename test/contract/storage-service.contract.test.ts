import { openStorageServiceBackend } from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { tempDir } from '../support/temp-dir.js';
import { addSeedBook, testClientOptions } from '../storage-service/storage-service-harness.js';
import type { BackendFactory } from './backend-under-test.js';
import { catalogContract } from './catalog.contract.js';
import { orderEventsContract } from './order-events.contract.js';
import { orderStockContract } from './order-stock.contract.js';
import { orderRepositoryContract } from './order-repository.contract.js';
import { staleOrdersContract } from './stale-orders.contract.js';

const storageService: BackendFactory = {
  name: 'storage service (over a fake of its HTTP API)',
  keepsAllFields: false,
  async open(books) {
    const fake = await FakeStorageService.start();
    books.forEach((book) => addSeedBook(fake, book));
    const dir = tempDir('order-outbox-');
    const backend = openStorageServiceBackend(testClientOptions(fake.url, { dataDir: dir.path }));
    return {
      orders: backend.orders,
      inventory: backend.inventory,
      events: backend.events,
      // No `catalog`: the storage service owns the books and there is nothing to seed (the seed case then checks
      // only that the adjusted stock stands).
      books: backend.books!,
      staleOrders: backend.staleOrders!,
      // The record as a release cut off after its status write leaves it: cancelled, its stock still held.
      interruptRelease: async (id) => {
        fake.orders.get(id)!.status = 'cancelled+held';
      },
      close: async () => {
        await backend.close();
        await fake.close();
        dir.remove();
      },
    };
  },
};

orderRepositoryContract(storageService);
orderStockContract(storageService);
staleOrdersContract(storageService);
orderEventsContract(storageService);
catalogContract(storageService);
