import { openEmbeddedBackend } from '../adapters/outbound/embedded/embedded.backend.js';
import { openMemoryBackend } from '../adapters/outbound/memory/memory.backend.js';
import type { PostgresOptions } from '../adapters/outbound/postgres/postgres-database.js';
import { openPostgresBackend } from '../adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../adapters/outbound/storage-backend.js';
import { openStorageServiceBackend } from '../adapters/outbound/storage-service/storage-service.backend.js';
import type { Config } from './config.js';

/** Opens the backend the configuration names. Adding a backend is one adapter folder and one case here. */
export async function openStorageBackend(config: Config): Promise<StorageBackend> {
  switch (config.backend) {
    case 'memory':
      return openMemoryBackend();
    case 'embedded':
      return openEmbeddedBackend({ dataDir: config.dataDir, synchronous: config.embeddedSynchronous });
    case 'postgres':
      return openPostgresBackend(postgresOptions(config));
    case 'storage-service':
      return openStorageServiceBackend({
        baseUrl: config.storageServiceUrl,
        timeoutMs: config.storageTimeoutMs,
        maxConcurrency: config.storageMaxConcurrency,
        queueLimit: config.storageQueueLimit,
        breakerCooldownMs: config.storageBreakerCooldownMs,
      });
  }
}

/** The PostgreSQL settings from the configuration; the decoder has already required DATABASE_URL. */
export function postgresOptions(config: Config): PostgresOptions {
  if (!config.databaseUrl) throw new Error('DATABASE_URL: required when STORAGE_BACKEND is postgres');
  return {
    url: config.databaseUrl,
    poolMax: config.databasePoolMax,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  };
}
