import type { IdempotencyStore } from '../../src/application/ports/idempotency-store.port.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const HOUR = 3_600_000;
const claimAt = (store: IdempotencyStore, key: string, fingerprint: string, at: number) =>
  store.claim({ key, fingerprint, now: new Date(at), abandonedBefore: new Date(at - 60_000), expiredBefore: new Date(at - 24 * HOUR) });
const response = { status: 201, body: { id: 'o1', total: 30.3 }, headers: { location: '/orders/o1' } };

/** What every IdempotencyStore adapter must do. */
export function idempotencyStoreContract(name: string, open: () => Promise<{ store: IdempotencyStore; close(): Promise<void> }>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let opened: { store: IdempotencyStore; close(): Promise<void> };
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(() => opened.close());

    it('claims a new key once; a second claim sees it in flight, then the stored response', async () => {
      const { store } = opened;
      expect(await claimAt(store, 'k1', 'f', T0)).toEqual({ kind: 'claimed' });
      expect(await claimAt(store, 'k1', 'f', T0 + 10)).toEqual({ kind: 'in-flight' });
      await store.complete('k1', response, new Date(T0 + 20));
      expect(await claimAt(store, 'k1', 'f', T0 + 30)).toEqual({ kind: 'replay', response });
    });

    it('gives exactly one of many concurrent claims', async () => {
      const claims = await Promise.all(Array.from({ length: 10 }, () => claimAt(opened.store, 'k2', 'f', T0)));
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    });

    it('refuses the key for another fingerprint', async () => {
      await claimAt(opened.store, 'k3', 'f', T0);
      expect(await claimAt(opened.store, 'k3', 'other', T0 + 1)).toEqual({ kind: 'mismatch' });
      await opened.store.complete('k3', response, new Date(T0 + 2));
      expect(await claimAt(opened.store, 'k3', 'other', T0 + 3)).toEqual({ kind: 'mismatch' });
    });

    it('frees a released key, an abandoned claim, and a record past its time to live', async () => {
      const { store } = opened;
      await claimAt(store, 'k4', 'f', T0);
      await store.release('k4');
      expect(await claimAt(store, 'k4', 'other', T0 + 1)).toEqual({ kind: 'claimed' });
      expect(await claimAt(store, 'k4', 'other', T0 + 61_000)).toEqual({ kind: 'claimed' });
      await store.complete('k4', response, new Date(T0 + 61_000));
      expect(await claimAt(store, 'k4', 'other', T0 + 23 * HOUR)).toEqual({ kind: 'replay', response });
      expect(await claimAt(store, 'k4', 'new', T0 + 25 * HOUR)).toEqual({ kind: 'claimed' });
    });

    it('purges completed records older than a time, and only those', async () => {
      const { store } = opened;
      for (const [key, at] of [['old', T0], ['new', T0 + 2 * HOUR]] as const) {
        await claimAt(store, key, 'f', at);
        await store.complete(key, response, new Date(at));
      }
      await claimAt(store, 'open', 'f', T0);
      expect(await store.purge(new Date(T0 + HOUR))).toBe(1);
      expect((await claimAt(store, 'new', 'f', T0 + 3 * HOUR)).kind).toBe('replay');
    });
  });
}
