import * as E from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../../src/infrastructure/config.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { tempDir } from '../support/temp-dir.js';
import { startTestService } from '../support/test-service.js';
import { placeOrder } from './storage-service-harness.js';

describe('choosing and configuring the storage-service backend', () => {
  it('decodes the storage settings with defaults, and refuses a cap of 0 naming the variable', () => {
    const config = decodeConfig({ STORAGE_SERVICE_URL: 'http://storage:8083' });
    expect(E.isRight(config) && config.right).toMatchObject({
      backend: 'storage-service', storageTimeoutMs: 2000, storageMaxConcurrency: 1, storageQueueLimit: 256, storageBreakerCooldownMs: 5000,
    });
    const refused = decodeConfig({ STORAGE_MAX_CONCURRENCY: '0' });
    expect(E.isLeft(refused) && refused.left).toEqual([expect.stringMatching(/^STORAGE_MAX_CONCURRENCY: /)]);
  });

  it('opens it from the environment alone and serves orders through it', async () => {
    const fake = await FakeStorageService.start();
    fake.addBook({ id: 'b1', quantity: 2 });
    const dir = tempDir('order-outbox-');
    const service = await startTestService({
      STORAGE_BACKEND: 'storage-service', STORAGE_SERVICE_URL: fake.url, STORAGE_MAX_CONCURRENCY: '1', STORAGE_TIMEOUT_MS: '1000',
      DATA_DIR: dir.path,
    });
    try {
      expect(service.backend.name).toBe('storage-service');
      expect((await placeOrder({ service })).status).toBe(201);
      expect(fake.stockOf('b1')).toBe(1);
    } finally {
      await service.stop();
      await fake.close();
      dir.remove();
    }
  });
});
