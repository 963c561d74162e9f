import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/infrastructure/server.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

describe('concurrent orders through HTTP on the embedded store', () => {
  const dir = tempDir();
  let service: RunningService;

  beforeAll(async () => {
    const seed = join(dir.path, 'catalog.json');
    writeFileSync(seed, JSON.stringify([{ id: 'hot', title: 'Hot', author: 'A', price: 9.99, quantity: 10 }]));
    service = await startTestService({ STORAGE_BACKEND: 'embedded', DATA_DIR: dir.path, INVENTORY_SEED_FILE: seed });
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('N = 50 concurrent single-copy orders against stock K = 10: exactly 10 succeed, stock ends at 0', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(service.url, 'POST', i % 2 ? '/orders' : '/orders/create',
          i % 2 ? { bookId: 'hot', userId: `u${i}`, quantity: 1 } : { book_id: 'hot', user_id: `u${i}`, quantity: 1 })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const probe = await request(service.url, 'POST', '/orders', { bookId: 'hot', userId: 'probe', quantity: 1 });
    expect(probe.body).toMatchObject({ type: '/problems/insufficient-stock', available: 0 });
    expect((await service.backend.inventory.findBook('hot' as never))!.stock).toBe(0);
  });
});
