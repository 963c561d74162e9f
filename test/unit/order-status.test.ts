import * as E from 'fp-ts/lib/Either.js';
import { ORDER_STATUSES, isFinal, type OrderStatus } from '../../src/domain/order-status.js';
import { Order } from '../../src/domain/order.js';
import { anOrder } from '../support/order-mother.js';

/** The lifecycle as the issue states it, written out independently of the domain's table. */
const ALLOWED: Record<OrderStatus, OrderStatus[]> = {
  pending: ['confirmed', 'rejected', 'cancelled', 'expired'],
  confirmed: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

const LATER = new Date('2026-11-22T12:00:00.000Z');

const orderIn = (status: OrderStatus): Order =>
  Order.rehydrate({ ...anOrder().toSnapshot(), status, version: 4 });

describe('order status machine', () => {
  const pairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s', (from, to) => {
    const order = orderIn(from);
    const before = order.toSnapshot();
    const result = order.moveTo(to, LATER);

    if (from === to) {
      expect(E.isRight(result) && result.right).toBe(order); // a no-op: the very same order, no new version
    } else if (ALLOWED[from].includes(to)) {
      expect(E.isRight(result)).toBe(true);
      const moved = (result as E.Right<Order>).right.toSnapshot();
      expect(moved).toEqual({ ...before, status: to, version: 5, updatedAt: LATER });
    } else {
      expect(E.isLeft(result) && result.left).toEqual({
        _tag: 'IllegalTransition',
        orderId: order.id,
        from,
        to,
        allowed: ALLOWED[from],
      });
    }
    expect(order.toSnapshot()).toEqual(before); // the original never changes
  });

  it('has exactly four final statuses', () => {
    expect(ORDER_STATUSES.filter(isFinal)).toEqual(['delivered', 'cancelled', 'rejected', 'expired']);
  });

  it('creates orders pending, at version 1, with an exact total', () => {
    const order = anOrder().toSnapshot();
    expect(order.status).toBe('pending');
    expect(order.version).toBe(1);
    expect(order.total).toBe(order.unitPrice * order.quantity);
  });
});
