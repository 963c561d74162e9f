import * as E from 'fp-ts/lib/Either.js';
import { ORDER_STATUSES, allowedNextStatuses, type OrderStatus } from '../../src/domain/order-status.js';
import {
  DONE, FREE, HELD, centsOf, decodeStatus, encodeStatus, fromWireOrder, toWireOrder, type Hold,
} from '../../src/adapters/outbound/storage-service/storage-order-record.js';
import { anOrder, cents, qty } from '../support/order-mother.js';

const HOLDS: Hold[] = [FREE, HELD, DONE, { kind: 'taking', stockBefore: 7 }, { kind: 'returning', stockBefore: 0 }];

const versionOf = (status: OrderStatus) => {
  const wire = { ...toWireOrder(anOrder(), FREE), status };
  return E.getOrElseW(() => undefined)(fromWireOrder(wire))!.order.version;
};

describe('storage order record', () => {
  it('writes settled holds as the plain status, so ordinary records read as they always did', () => {
    expect(encodeStatus('pending', FREE)).toBe('pending');
    expect(encodeStatus('confirmed', HELD)).toBe('confirmed');
    expect(encodeStatus('cancelled', DONE)).toBe('cancelled');
    expect(encodeStatus('cancelled', FREE)).toBe('cancelled');
    expect(encodeStatus('pending', { kind: 'taking', stockBefore: 7 })).toBe('pending+taking@7');
    expect(encodeStatus('cancelled', HELD)).toBe('cancelled+held');
  });

  it.each(ORDER_STATUSES.flatMap((status) => HOLDS.map((hold) => [status, hold] as const)))(
    'reads back %s with hold %j', (status, hold) => {
      const decoded = decodeStatus(encodeStatus(status, hold));
      const expected = hold.kind === 'free' && ['cancelled', 'rejected', 'expired'].includes(status) ? DONE : hold;
      expect(decoded).toEqual(E.right({ status, hold: expected }));
    });

  it('reads the old processor\'s "created" as confirmed with its stock held, and refuses unknown statuses', () => {
    expect(decodeStatus('created')).toEqual(E.right({ status: 'confirmed', hold: HELD }));
    ['banana', '', 'pending+taking', 'pending+held@3', 'Pending', 'pending+lost'].forEach((text) =>
      expect(E.isLeft(decodeStatus(text))).toBe(true));
  });

  it('derives a version that rises with every allowed status move', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of allowedNextStatuses(from)) expect(versionOf(to)).toBeGreaterThan(versionOf(from));
    }
  });

  it('keeps money exact both ways, and derives the unit price from the total', () => {
    const order = anOrder({ unitPrice: cents(1010), quantity: qty(3) });
    const wire = toWireOrder(order, FREE);
    expect(wire.price).toBe(30.3);
    const back = E.getOrElseW(() => undefined)(fromWireOrder(wire))!.order.toSnapshot();
    expect([back.total, back.unitPrice]).toEqual([3030, 1010]);
    expect(centsOf(30.299999999999997)).toBe(3030);
    expect(centsOf(10.005)).toBeUndefined();
  });
});
