import * as E from 'fp-ts/lib/Either.js';
import { versionMismatch } from '../../src/domain/order-error.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, orderId, userId } from '../support/order-mother.js';
import type { BackendFactory, BackendUnderTest } from './backend-under-test.js';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-22T11:00:00.000Z');

/** What every OrderRepository adapter must do. Run it over each adapter with its factory. */
export function orderRepositoryContract(factory: BackendFactory): void {
  describe(`OrderRepository contract: ${factory.name}`, () => {
    let backend: BackendUnderTest;
    beforeEach(async () => {
      backend = await factory.open([aBook({ stock: 1000 })]);
    });
    afterEach(() => backend.close());

    const add = (order: Order) => backend.orders.place(order, () => {
      throw new Error('a pending order takes no stock');
    });

    const expectSame = (found: Order | undefined, expected: Order) => {
      const a = found!.toSnapshot();
      const b = expected.toSnapshot();
      expect({ id: a.id, bookId: a.bookId, userId: a.userId, quantity: a.quantity, total: a.total, status: a.status })
        .toEqual({ id: b.id, bookId: b.bookId, userId: b.userId, quantity: b.quantity, total: b.total, status: b.status });
      expect(a.createdAt.getTime()).toBe(b.createdAt.getTime());
      if (factory.keepsAllFields) expect(a).toEqual(b);
    };

    it('finds an order it placed, with every field intact', async () => {
      const order = anOrder();
      await add(order);
      expectSame(await backend.orders.findById(order.id), order);
    });

    it('finds nothing for an unknown id', async () => {
      expect(await backend.orders.findById(orderId('no-such-order'))).toBeUndefined();
    });

    it('applies a change and stores the next version', async () => {
      const order = anOrder();
      await add(order);
      const changed = await backend.orders.update(order.id, (o) => o.moveTo('confirmed', NOW));
      expect(E.isRight(changed) && changed.right.status).toBe('confirmed');
      const stored = await backend.orders.findById(order.id);
      expect(stored!.status).toBe('confirmed');
      if (factory.keepsAllFields) {
        expect(stored!.version).toBe(2);
        expect(stored!.toSnapshot().updatedAt).toEqual(NOW);
      }
    });

    it('writes nothing when the change fails or changes nothing', async () => {
      const order = anOrder();
      await add(order);
      const refused = await backend.orders.update(order.id, (o) => o.moveTo('delivered', NOW));
      expect(E.isLeft(refused) && refused.left._tag).toBe('IllegalTransition');
      const same = await backend.orders.update(order.id, (o) => o.moveTo('pending', NOW));
      expect(E.isRight(same) && same.right.status).toBe('pending');
      expectSame(await backend.orders.findById(order.id), order);
    });

    it('answers OrderNotFound when updating an unknown order', async () => {
      const result = await backend.orders.update(orderId('missing'), (o) => o.moveTo('confirmed', NOW));
      expect(E.isLeft(result) && result.left).toEqual({ _tag: 'OrderNotFound', orderId: 'missing' });
    });

    it('lets exactly one of many concurrent changes based on the same version win', async () => {
      const order = anOrder();
      await add(order);
      await backend.orders.update(order.id, (o) => o.moveTo('confirmed', NOW));
      const seen = (await backend.orders.findById(order.id))!;
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          backend.orders.update(order.id, (o) =>
            o.status !== seen.status
              ? E.left(versionMismatch(o.id, seen.version, o.version))
              : o.moveTo(i % 2 ? 'processing' : 'cancelled', NOW),
          ),
        ),
      );
      expect(attempts.filter(E.isRight)).toHaveLength(1);
      const winner = attempts.find(E.isRight)!.right;
      expect((await backend.orders.findById(order.id))!.status).toBe(winner.status);
    });

    describe('listing a user\'s orders', () => {
      const placed = async (user: string, iso: string) => {
        const order = anOrder({ userId: userId(user), now: at(iso) });
        await add(order);
        return order;
      };

      it('lists newest first, only that user\'s, at most `limit`', async () => {
        const first = await placed('alice', '2026-11-22T10:00:00.000Z');
        await placed('bob', '2026-11-22T10:00:01.000Z');
        const third = await placed('alice', '2026-11-22T10:00:02.000Z');
        const second = await placed('alice', '2026-11-22T10:00:01.500Z');
        const ids = (await backend.orders.listByUser(userId('alice'), 10)).map((o) => o.id);
        expect(ids).toEqual([third.id, second.id, first.id]);
        expect((await backend.orders.listByUser(userId('alice'), 2)).map((o) => o.id)).toEqual([third.id, second.id]);
        expect(await backend.orders.listByUser(userId('nobody'), 10)).toEqual([]);
      });

      it('continues strictly after a position, ordering equal times by id', async () => {
        const sameTime = '2026-11-22T10:00:00.000Z';
        const orders = [];
        for (let i = 0; i < 5; i += 1) orders.push(await placed('carol', sameTime));
        const expected = orders.map((o) => o.id).sort().reverse();
        const page1 = await backend.orders.listByUser(userId('carol'), 2);
        const last = page1[1]!;
        const page2 = await backend.orders.listByUser(userId('carol'), 10, { createdAt: last.createdAt, id: last.id });
        expect([...page1, ...page2].map((o) => o.id)).toEqual(expected);
      });
    });

    it('serves the fulfilment queue: a status (or all) oldest first, a page at a time after a position', async () => {
      const times = ['2026-11-22T10:00:03.000Z', '2026-11-22T10:00:01.000Z', '2026-11-22T10:00:02.000Z', '2026-11-22T10:00:01.000Z'];
      const orders = times.map((time, i) => anOrder({ userId: userId(`queue-${i}`), now: at(time) }));
      for (const order of orders) await add(order);
      await backend.orders.update(orders[2]!.id, (o) => o.moveTo('cancelled', NOW));
      const oldestFirst = [...orders].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
      const pendingIds = oldestFirst.filter((o) => o !== orders[2]).map((o) => o.id);
      expect((await backend.orders.listByStatus('pending', 10)).map((o) => o.id)).toEqual(pendingIds);
      expect((await backend.orders.listByStatus(undefined, 10)).map((o) => o.id)).toEqual(oldestFirst.map((o) => o.id));
      const first = await backend.orders.listByStatus(undefined, 2);
      const rest = await backend.orders.listByStatus(undefined, 10, { createdAt: first[1]!.createdAt, id: first[1]!.id });
      expect([...first, ...rest].map((o) => o.id)).toEqual(oldestFirst.map((o) => o.id));
      const afterFirst = await backend.orders.listByStatus('pending', 10, { createdAt: first[0]!.createdAt, id: first[0]!.id });
      expect(afterFirst.map((o) => o.id)).toEqual(pendingIds.slice(1));
      expect(await backend.orders.listByStatus('shipped', 10)).toEqual([]);
    });
  });
}
