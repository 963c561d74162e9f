import { openEmbeddedBackend } from '../adapters/outbound/embedded/embedded.backend.js';
import { openMemoryBackend } from '../adapters/outbound/memory/memory.backend.js';
import type { StorageBackend } from '../adapters/outbound/storage-backend.js';
import type { Config } from './config.js';

/** Opens the backend the configuration names. Adding a backend is one adapter folder and one case here. */
export async function openStorageBackend(config: Config): Promise<StorageBackend> {
  switch (config.backend) {
    case 'memory':
      return openMemoryBackend();
    case 'embedded':
      return openEmbeddedBackend({ dataDir: config.dataDir, synchronous: config.embeddedSynchronous });
    case 'storage-service':
    case 'postgres':
      throw new Error(`STORAGE_BACKEND=${config.backend} is not available in this build`);
  }
}

