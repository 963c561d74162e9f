import * as E from 'fp-ts/lib/Either.js';
import { cloudEventRenderer } from '../../src/adapters/outbound/events/cloud-event.js';
import { avakartOrderJson, orderResourceJson, toAvakartOrder, toOrderResource } from '../../src/adapters/inbound/http/order-views.js';
import { orderChangeOf } from '../../src/domain/order-event.js';
import type { Order } from '../../src/domain/order.js';
import { anOrder } from '../support/order-mother.js';

const moved = (order: Order, status: 'confirmed' | 'cancelled', at: string) =>
  (order.moveTo(status, new Date(at)) as E.Right<Order>).right;

describe('an order as JSON text', () => {
  it('is the JSON of its view, in both representations', () => {
    const order = anOrder();
    expect(orderResourceJson(order)).toBe(JSON.stringify(toOrderResource(order)));
    expect(avakartOrderJson(order)).toBe(JSON.stringify(toAvakartOrder(order)));
  });

  it('follows every change: each version of an order has its own text, and the earlier one keeps its own', () => {
    const pending = anOrder();
    const before = orderResourceJson(pending);
    const confirmed = moved(pending, 'confirmed', '2026-01-01T00:00:01.000Z');
    const cancelled = moved(confirmed, 'cancelled', '2026-01-01T00:00:02.000Z');
    expect(JSON.parse(orderResourceJson(confirmed))).toMatchObject({ status: 'confirmed', version: 2, updatedAt: '2026-01-01T00:00:01.000Z' });
    expect(JSON.parse(orderResourceJson(cancelled))).toMatchObject({ status: 'cancelled', version: 3, updatedAt: '2026-01-01T00:00:02.000Z' });
    expect(orderResourceJson(pending)).toBe(before);
    expect(JSON.parse(avakartOrderJson(cancelled))).toMatchObject({ status: 'cancelled' });
  });

  it("is the order its event carries, in an envelope that parses as the contract's", () => {
    const confirmed = moved(anOrder(), 'confirmed', '2026-01-01T00:00:01.000Z');
    const cancelled = moved(confirmed, 'cancelled', '2026-01-01T00:00:02.000Z');
    const record = cloudEventRenderer('/test')(orderChangeOf(confirmed, cancelled)!);
    expect(record.body).toContain(`"order":${orderResourceJson(cancelled)}}}`);
    expect(JSON.parse(record.body)).toEqual({
      specversion: '1.0',
      id: record.id,
      source: '/test',
      type: 'com.avakart.order.cancelled',
      subject: cancelled.id,
      time: '2026-01-01T00:00:02.000Z',
      datacontenttype: 'application/json',
      orderversion: 3,
      data: { previousStatus: 'confirmed', order: toOrderResource(cancelled) },
    });
    const first = JSON.parse(cloudEventRenderer('/test')(orderChangeOf(undefined, confirmed)!).body);
    expect(first.data).toEqual({ previousStatus: null, order: toOrderResource(confirmed) });
  });
});
