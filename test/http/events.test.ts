import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService } from '../support/test-service.js';

let service: RunningService;
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  request(service.url, method, path, body, headers);

beforeEach(async () => {
  service = await startTestService();
});
afterEach(() => service.stop());

interface CloudEvent {
  id: string;
  type: string;
  subject: string;
  orderversion: number;
  data: { previousStatus: string | null; order: { id: string; status: string; version: number } };
}

/** Every event from the start, paging with nextCursor. */
async function everyEvent(limit = 500): Promise<CloudEvent[]> {
  const events: CloudEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await call('GET', `/events?limit=${limit}${cursor ? `&after=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    expect(typeof page.body.nextCursor).toBe('string');
    events.push(...page.body.events);
    if (page.body.events.length === 0) return events;
    cursor = page.body.nextCursor;
  }
}
const place = async (bookId = 'b1', quantity = 1, headers: Record<string, string> = {}) =>
  call('POST', '/orders', { bookId, userId: 'alice', quantity }, headers);

describe('GET /events', () => {
  it('announces each change once, with the order as GET /orders/{id} answers it right after', async () => {
    const placed = (await place()).body;
    const cancelled = (await call('PUT', `/orders/${placed.id}/status`, { status: 'cancelled' })).body;
    const events = await everyEvent();
    expect(events.map((e) => [e.type, e.data.previousStatus, e.orderversion])).toEqual([
      ['com.avakart.order.confirmed', null, 2],
      ['com.avakart.order.cancelled', 'confirmed', 3],
    ]);
    expect(events[0]!.data.order).toEqual(placed);
    expect(events[1]!.data.order).toEqual(cancelled);
    expect(events[1]!.id).toBe(`${placed.id}.3`);
  });

  it('announces nothing for a 4xx, a no-op or a replayed Idempotency-Key', async () => {
    const key = { 'Idempotency-Key': 'events-replay-0001' };
    const first = await place('b1', 1, key);
    expect((await place('b1', 1, key)).body).toEqual(first.body);
    await place('nope');
    await place('b5', 2); // short stock: 409
    await call('POST', '/orders', { bookId: 'b1', quantity: 0 });
    await call('PUT', `/orders/${first.body.id}/status`, { status: 'confirmed' }); // no-op
    await call('PUT', `/orders/${first.body.id}/status`, { status: 'delivered' }); // illegal: 409
    await call('PUT', `/orders/${first.body.id}/status`, { status: 'cancelled' }, { 'If-Match': '"1"' }); // stale: 412
    expect((await everyEvent()).map((e) => e.type)).toEqual(['com.avakart.order.confirmed']);
  });

  it('pages from the start with nextCursor, every event once; an empty page keeps the position', async () => {
    for (let i = 0; i < 7; i += 1) await place();
    const all = await everyEvent();
    expect(await everyEvent(2)).toEqual(all);
    expect(new Set(all.map((e) => e.id)).size).toBe(7);
    const end = (await call('GET', '/events?limit=500')).body.nextCursor;
    const again = await call('GET', `/events?after=${end}`);
    expect(again.body).toEqual({ events: [], nextCursor: end });
  });

  it('answers a long-poll within 100 ms of the commit', async () => {
    const end = (await call('GET', '/events')).body.nextCursor;
    const began = Date.now();
    const polled = call('GET', `/events?after=${end}&wait=10`).then((response) => ({ response, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const committedAt = Date.now();
    await place();
    const { response, at } = await polled;
    expect(response.body.events).toHaveLength(1);
    expect(at - committedAt).toBeLessThan(100);
    expect(committedAt - began).toBeGreaterThanOrEqual(190);
  });

  it('answers an empty page when the wait ends with nothing committed', async () => {
    const end = (await call('GET', '/events')).body.nextCursor;
    const began = Date.now();
    const response = await call('GET', `/events?after=${end}&wait=0.3`);
    expect(response.body).toEqual({ events: [], nextCursor: end });
    expect(Date.now() - began).toBeGreaterThanOrEqual(280);
  });

  it.each([
    ['after=', 'after'], ['after=!!', 'after'], ['after=eA', 'after'], ['after=MQ==', 'after'], ['after=' + 'A'.repeat(300), 'after'],
    ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=x', 'limit'], ['limit=1&limit=2', 'query'],
    ['wait=31', 'wait'], ['wait=-1', 'wait'], ['wait=abc', 'wait'],
  ])('answers 400 validation-error for %s', async (query, pointer) => {
    const response = await call('GET', `/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: '/problems/validation-error', errors: expect.arrayContaining([expect.objectContaining({ pointer })]) });
  });

  it('answers 410 cursor-expired for a cursor before the oldest retained event', async () => {
    await place();
    await place();
    const first = (await call('GET', '/events?limit=1')).body.nextCursor;
    expect(await service.backend.events.purge(new Date(Date.now() + 60_000), false)).toBe(2);
    const response = await call('GET', `/events?after=${first}`);
    expect(response.status).toBe(410);
    expect(response.body).toMatchObject({ type: '/problems/cursor-expired', status: 410 });
    expect((await call('GET', '/events')).body.events).toEqual([]);
  });

  it('needs a token when tokens are configured', async () => {
    await service.stop();
    service = await startTestService({ AUTH_TOKENS: 'events-test-token-0123456789' });
    expect((await call('GET', '/events')).status).toBe(401);
    expect((await call('GET', '/events', undefined, { authorization: 'Bearer events-test-token-0123456789' })).status).toBe(200);
  });
});

describe('GET /orders: the fulfilment queue', () => {
  it('lists orders in a status oldest first, a page at a time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await place()).body.id);
    await call('PUT', `/orders/${ids[1]}/status`, { status: 'cancelled' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/orders?status=confirmed&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.orders.map((o: { id: string; status: string }) => {
        expect(o.status).toBe('confirmed');
        return o.id;
      }));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids[0], ids[2], ids[3], ids[4]]);
    const every = (await call('GET', '/orders?limit=200')).body;
    expect(every.orders.map((o: { id: string }) => o.id)).toEqual(ids);
    expect(every.nextCursor).toBeNull();
    expect((await call('GET', '/orders?status=shipped')).body).toEqual({ orders: [], nextCursor: null });
  });

  it.each([['status=lost', 'status'], ['status=a&status=b', 'status'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['cursor=zz', 'cursor']])(
    'answers 400 for %s', async (query, pointer) => {
      const response = await call('GET', `/orders?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: '/problems/validation-error', errors: [expect.objectContaining({ pointer })] });
    });
});
