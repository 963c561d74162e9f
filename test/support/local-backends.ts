import type { SeedBook } from '../../src/adapters/outbound/catalog/catalog-seeder.js';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { tempDir } from './temp-dir.js';

export const LOCAL_BACKENDS = ['memory', 'embedded'] as const;

/** A seeded backend that needs nothing outside this process; `close` also removes its files. */
export async function openLocalBackend(name: (typeof LOCAL_BACKENDS)[number], books: readonly SeedBook[]): Promise<StorageBackend> {
  if (name === 'memory') {
    const backend = openMemoryBackend();
    await backend.catalog!.seed(books);
    return backend;
  }
  const dir = tempDir();
  const backend = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'full' });
  await backend.catalog!.seed(books);
  return { ...backend, close: async () => { await backend.close(); dir.remove(); } };
}
