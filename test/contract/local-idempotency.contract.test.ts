import { SqliteDatabase } from '../../src/adapters/outbound/embedded/sqlite-database.js';
import { SqliteIdempotencyStore } from '../../src/adapters/outbound/embedded/sqlite-idempotency-store.adapter.js';
import { MemoryIdempotencyStore } from '../../src/adapters/outbound/memory/memory-idempotency-store.adapter.js';
import { tempDir } from '../support/temp-dir.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';

idempotencyStoreContract('memory', async () => ({ store: new MemoryIdempotencyStore(), close: async () => {} }));

idempotencyStoreContract('embedded (SQLite)', async () => {
  const dir = tempDir();
  const database = SqliteDatabase.open({ dataDir: dir.path, synchronous: 'full' });
  return {
    store: new SqliteIdempotencyStore(database),
    close: async () => {
      database.close();
      dir.remove();
    },
  };
});
