import { MemoryIdempotencyStore } from '../../src/adapters/outbound/memory/memory-idempotency-store.adapter.js';

const now = new Date('2026-12-02T06:00:00.000Z');
const claimOf = (key: string, fingerprint = `fp-${key}`) =>
  ({ key, fingerprint, now, abandonedBefore: new Date(now.getTime() - 60_000), expiredBefore: new Date(now.getTime() - 86_400_000) });
const response = (key: string) => ({ status: 201, headers: { location: `/orders/${key}` }, body: { id: key } });

async function placed(store: MemoryIdempotencyStore, key: string) {
  expect((await store.claim(claimOf(key))).kind).toBe('claimed');
  await store.complete(key, response(key), now);
}

describe('the in-process idempotency store past its cap', () => {
  it('forgets the oldest completed keys first and keeps replaying the newest', async () => {
    const store = new MemoryIdempotencyStore(3);
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await placed(store, key);
    for (const key of ['k3', 'k4', 'k5']) expect(await store.claim(claimOf(key))).toEqual({ kind: 'replay', response: response(key) });
    // Forgotten: the same key is a new request again.
    expect((await store.claim(claimOf('k1'))).kind).toBe('claimed');
  });

  it('never drops a claim that is still running, even past the cap', async () => {
    const store = new MemoryIdempotencyStore(2);
    for (const key of ['r1', 'r2', 'r3']) expect((await store.claim(claimOf(key))).kind).toBe('claimed');
    await placed(store, 'k1');
    for (const key of ['r1', 'r2', 'r3']) expect((await store.claim(claimOf(key))).kind).toBe('in-flight');
  });

  it('counts a key claimed afresh as new, so it is not the next one forgotten', async () => {
    const store = new MemoryIdempotencyStore(2);
    const longAgo = new Date(now.getTime() - 3_600_000);
    await store.claim({ ...claimOf('k1'), now: longAgo }); // its request died: the claim is abandoned
    await placed(store, 'k2');
    await placed(store, 'k1'); // claimed afresh: now the newest
    await placed(store, 'k3');
    expect((await store.claim(claimOf('k1'))).kind).toBe('replay');
    expect((await store.claim(claimOf('k2'))).kind).toBe('claimed');
  });
});
