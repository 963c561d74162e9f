import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { withFaults } from '../support/faulty-backend.js';
import { LOCAL_BACKENDS, openLocalBackend } from '../support/local-backends.js';
import { FixedClock, aBook, bookId } from '../support/order-mother.js';
import { expectStockInvariant } from '../support/stock-invariant.js';
import { request, startTestService } from '../support/test-service.js';

const SEEDED = { settle: 50 };
const USERS = ['stuck', 'cancel', 'fine'];

describe.each(LOCAL_BACKENDS)('POST /orders/batch-process on the %s backend', (name) => {
  let backend: StorageBackend;
  let faults: ReturnType<typeof withFaults>;
  let service: RunningService;
  const clock = new FixedClock(new Date());
  const place = (user: string) => request(service.url, 'POST', '/orders', { bookId: 'settle', userId: user, quantity: 2 });
  const settle = (body: unknown = {}) => request(service.url, 'POST', '/orders/batch-process', body);

  beforeAll(async () => {
    backend = await openLocalBackend(name, [aBook({ id: bookId('settle'), stock: SEEDED.settle })]);
    faults = withFaults(backend);
    service = await startTestService({ PENDING_ORDER_TIMEOUT_SECONDS: '300' }, { backend: faults.backend, clock });
  });
  afterAll(() => service.stop());

  it('settles what faults left half done, reports it, and a second run finds nothing', async () => {
    await place('fine');
    faults.failNext('take', 1, true); // stock taken, order left pending
    expect((await place('stuck')).status).toBe(503);
    faults.failNext('take'); // nothing taken, order left pending
    expect((await place('stuck')).status).toBe(503);
    const { id } = (await place('cancel')).body;
    faults.failNext('giveBack'); // cancelled, stock not yet back
    expect((await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' })).status).toBe(503);

    const early = await settle();
    expect(early.body).toMatchObject({ expired: 0, released: 1 }); // pending orders are not yet abandoned
    clock.advance(301_000);
    const [a, b] = await Promise.all([settle({ limit: 0 }), settle({ limit: 50 })]);
    expect(a.status).toBe(200);
    expect(a.body.expired + b.body.expired).toBe(2);
    expect(a.body).toMatchObject({ processed_count: expect.any(Number), message: expect.any(String) });
    expect((await settle()).body).toMatchObject({ processed_count: 0, expired: 0, released: 0 });
    await expectStockInvariant(backend, SEEDED, USERS);
  });

  it('refuses a limit that is not a whole number', async () => {
    expect((await settle({ limit: 'ten' })).status).toBe(422);
    expect((await settle({ limit: 2.5 })).status).toBe(422);
  });
});
