import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { withFaults } from '../support/faulty-backend.js';
import { LOCAL_BACKENDS, openLocalBackend } from '../support/local-backends.js';
import { aBook, bookId } from '../support/order-mother.js';
import { request, startTestService } from '../support/test-service.js';

describe.each(LOCAL_BACKENDS)('Idempotency-Key on the %s backend', (name) => {
  let backend: StorageBackend;
  let faults: ReturnType<typeof withFaults>;
  let service: RunningService;
  let n = 0;
  const key = () => `key-${name}-${(n += 1)}`;
  const stock = async () => (await backend.inventory.findBook(bookId('idem')))!.stock;
  const post = (path: string, body: unknown, idempotencyKey: string) =>
    request(service.url, 'POST', path, body, { 'Idempotency-Key': idempotencyKey });

  beforeAll(async () => {
    backend = await openLocalBackend(name, [aBook({ id: bookId('idem'), stock: 1000 })]);
    faults = withFaults(backend);
    service = await startTestService({}, { backend: faults.backend });
  });
  afterAll(async () => {
    await service.stop();
  });

  it.each([
    ['/orders', { bookId: 'idem', userId: 'retry', quantity: 2 }],
    ['/orders/create', { book_id: 'idem', user_id: 'retry', quantity: 2 }],
  ])('%s: the same key and body answer the same, and take stock once', async (path, body) => {
    const k = key();
    const before = await stock();
    const first = await post(path, body, k);
    const again = await post(path, body, k);
    expect(first.status).toBe(201);
    expect([again.status, again.body, again.headers.get('location')]).toEqual([201, first.body, first.headers.get('location')]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await stock()).toBe(before - 2);
  });

  it('refuses the same key with a different body (422) and changes nothing', async () => {
    const k = key();
    await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 1 }, k);
    const before = await stock();
    const reused = await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 5 }, k);
    expect([reused.status, reused.body.type]).toEqual([422, '/problems/idempotency-key-reused']);
    expect(await stock()).toBe(before);
  });

  it('lets one of many concurrent requests with one key through; the rest are 409 or its replay', async () => {
    const k = key();
    const before = await stock();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/orders', { bookId: 'idem', userId: 'race', quantity: 1 }, k)));
    const placed = answers.filter((a) => a.status === 201);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(new Set(placed.map((a) => a.body.id)).size).toBe(1);
    expect(await stock()).toBe(before - 1);
  });

  it('does not let a refused or failed request poison its key', async () => {
    const k = key();
    expect((await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 0 }, k)).status).toBe(422);
    faults.failNext('findBook');
    expect((await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 1 }, k)).status).toBe(503);
    const fixed = await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 1 }, k);
    expect(fixed.status).toBe(201);
  });

  it('keeps the key claimed when the outcome is unknown, so a quick retry cannot order twice', async () => {
    const k = key();
    const before = await stock();
    faults.failNext('place', 1, true); // placed with its stock, then the store "times out"
    const lost = await post('/orders', { bookId: 'idem', userId: 'unknown', quantity: 1 }, k);
    expect([lost.status, lost.headers.get('retry-after')]).toEqual([503, '1']);
    expect(lost.body).toMatchObject({ type: '/problems/dependency-unavailable', outcome: 'unknown', orderId: expect.any(String) });
    const retry = await post('/orders', { bookId: 'idem', userId: 'unknown', quantity: 1 }, k);
    expect([retry.status, retry.body.type]).toEqual([409, '/problems/idempotency-key-in-flight']);
    expect(await stock()).toBe(before - 1);
  });

  it('refuses an unusable key with 400', async () => {
    expect((await post('/orders', { bookId: 'idem', userId: 'retry', quantity: 1 }, 'x'.repeat(300))).status).toBe(400);
  });
});
