import type { Context } from 'koa';
import { idempotent } from '../../src/adapters/inbound/http/idempotency.middleware.js';
import { MemoryIdempotencyStore } from '../../src/adapters/outbound/memory/memory-idempotency-store.adapter.js';

const HOUR = 3_600_000;
const TTL = 24 * HOUR;

/** Just enough of a Koa context for the middleware: a POST with a key and a body, answered 201. */
const contextFor = (key: string) => {
  const headers: Record<string, string> = {};
  return {
    method: 'POST',
    path: '/orders',
    state: {},
    status: 404,
    body: undefined as unknown,
    request: { body: { bookId: 'b1', userId: 'u', quantity: 1 } },
    req: { headers: { 'idempotency-key': key } },
    get: (name: string) => (name === 'Idempotency-Key' ? key : ''),
    set: (values: Record<string, string>) => Object.assign(headers, values),
    response: { get: (name: string) => headers[name.toLowerCase()] ?? '' },
  } as unknown as Context;
};

describe('Idempotency-Key records past their time to live', () => {
  it('are purged at most once an hour, as requests arrive', async () => {
    const store = new MemoryIdempotencyStore();
    const purges: Date[] = [];
    const purge = store.purge.bind(store);
    store.purge = (before) => {
      purges.push(before);
      return purge(before);
    };
    let now = Date.parse('2026-11-22T10:00:00Z');
    const guard = idempotent(store, { ttlMs: TTL, abandonAfterMs: 60_000 }, { info: () => {}, error: () => {} }, () => now);
    const answer = async (key: string) => {
      const ctx = contextFor(key);
      await guard(ctx, async () => {
        ctx.status = 201;
        ctx.body = { id: key };
      });
      return ctx;
    };

    await answer('first');
    now += HOUR / 2;
    await answer('second');
    expect(purges).toEqual([new Date(Date.parse('2026-11-22T10:00:00Z') - TTL)]);

    now += 25 * HOUR; // both records are past their time to live
    await answer('third');
    expect(purges).toHaveLength(2);
    expect(purges[1]).toEqual(new Date(now - TTL));
    await new Promise((settled) => setImmediate(settled));
    expect(await store.purge(new Date(now - TTL))).toBe(0); // first and second were removed, third is recent
  });
});
