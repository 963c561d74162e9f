import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { withFaults } from '../support/faulty-backend.js';
import { LOCAL_BACKENDS, openLocalBackend } from '../support/local-backends.js';
import { FixedClock, aBook, anOrder, bookId, userId } from '../support/order-mother.js';
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

  it('leaves nothing half done after faults, expires what an older version left pending, and runs idempotently', async () => {
    await place('fine');
    faults.failNext('place', 1, true); // placed with its stock, then the answer is lost
    expect((await place('stuck')).status).toBe(503);
    faults.failNext('place'); // nothing written
    expect((await place('stuck')).status).toBe(503);
    const { id } = (await place('cancel')).body;
    faults.failNext('update', 1, true); // cancelled with its stock back, then the answer is lost
    expect((await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' })).status).toBe(503);
    // The saga of the version before this one recorded orders pending first: one it never confirmed.
    const left = anOrder({ bookId: bookId('settle'), userId: userId('stuck'), now: clock.now() });
    await backend.orders.place(left, () => left);
    // Stock moved by hand in between: the invariant counts the ledger too.
    const adjust = (delta: number) => request(service.url, 'POST', '/books/settle/stock-adjustments', { delta, reason: 'recount' });
    expect((await adjust(7)).status).toBe(201);
    expect((await adjust(-3)).status).toBe(201);
    expect((await adjust(-1000)).status).toBe(409);

    const early = await settle();
    expect(early.body).toMatchObject({ expired: 0, released: 0 }); // the pending order is not yet abandoned
    clock.advance(301_000);
    const [a, b] = await Promise.all([settle({ limit: 0 }), settle({ limit: 50 })]);
    expect(a.status).toBe(200);
    expect(a.body.expired + b.body.expired).toBe(1);
    expect((await backend.orders.findById(left.id))!.status).toBe('expired');
    expect(a.body).toMatchObject({ processed_count: expect.any(Number), message: expect.any(String) });
    expect((await settle()).body).toMatchObject({ processed_count: 0, expired: 0, released: 0 });
    await expectStockInvariant(backend, SEEDED, USERS);
  });

  it('refuses a limit that is not a whole number', async () => {
    expect((await settle({ limit: 'ten' })).status).toBe(422);
    expect((await settle({ limit: 2.5 })).status).toBe(422);
  });
});
