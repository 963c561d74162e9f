import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService } from '../support/test-service.js';

describe('optimistic concurrency on PUT /orders/:id/status', () => {
  let service: RunningService;
  let strict: RunningService;
  beforeAll(async () => {
    [service, strict] = await Promise.all([startTestService(), startTestService({ REQUIRE_IF_MATCH: 'true' })]);
  });
  afterAll(() => Promise.all([service.stop(), strict.stop()]));

  const place = async (on: RunningService) =>
    (await request(on.url, 'POST', '/orders', { bookId: 'b1', userId: 'etag', quantity: 1 })).body.id as string;

  it('applies a change whose If-Match is current, and answers the new ETag', async () => {
    const id = await place(service);
    const read = await request(service.url, 'GET', `/orders/${id}`);
    const moved = await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'processing' }, { 'If-Match': read.headers.get('etag')! });
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).toBe('"3"');
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const id = await place(service);
    const stale = await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' }, { 'If-Match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: '/problems/version-mismatch', currentVersion: 2 });
    expect((await request(service.url, 'GET', `/orders/${id}`)).body.status).toBe('confirmed');
  });

  it('lets exactly one of two concurrent updates carrying the same tag win', async () => {
    const id = await place(service);
    const [a, b] = await Promise.all(
      (['processing', 'cancelled'] as const).map((status) =>
        request(service.url, 'PUT', `/orders/${id}/status`, { status }, { 'If-Match': '"2"' })),
    );
    expect([a!.status, b!.status].sort()).toEqual([200, 412]);
  });

  it('refuses an If-Match it cannot read with 400', async () => {
    const id = await place(service);
    const bad = await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' }, { 'If-Match': 'W/"2"' });
    expect(bad.status).toBe(400);
    expect((await request(service.url, 'GET', `/orders/${id}`)).body.status).toBe('confirmed');
  });

  it('with REQUIRE_IF_MATCH=true, answers 428 without If-Match and accepts it with one', async () => {
    const id = await place(strict);
    const missing = await request(strict.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' });
    expect(missing.status).toBe(428);
    expect(missing.body.type).toBe('/problems/precondition-required');
    const ok = await request(strict.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' }, { 'If-Match': '"2"' });
    expect(ok.status).toBe(200);
  });
});
