import { cloudEventRenderer } from '../adapters/outbound/events/cloud-event.js';
import type { PostgresOptions } from '../adapters/outbound/postgres/postgres-database.js';
import type { StorageBackend } from '../adapters/outbound/storage-backend.js';
import type { Config } from './config.js';

/**
 * Opens the backend the configuration names. Adding a backend is one adapter folder and one case here. Each is
 * imported only when chosen: the drivers of the others (pg, got, better-sqlite3) would otherwise be loaded into
 * every process, a few MiB of memory each.
 */
export async function openStorageBackend(config: Config): Promise<StorageBackend> {
  const render = cloudEventRenderer(config.eventsSource);
  switch (config.backend) {
    case 'memory':
      return (await import('../adapters/outbound/memory/memory.backend.js')).openMemoryBackend({ render });
    case 'embedded':
      return (await import('../adapters/outbound/embedded/embedded.backend.js')).openEmbeddedBackend({ dataDir: config.dataDir, synchronous: config.embeddedSynchronous, render });
    case 'postgres':
      return (await import('../adapters/outbound/postgres/postgres.backend.js')).openPostgresBackend({ ...postgresOptions(config), render });
    case 'storage-service':
      return (await import('../adapters/outbound/storage-service/storage-service.backend.js')).openStorageServiceBackend({
        render,
        dataDir: config.dataDir,
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
