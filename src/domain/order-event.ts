import type { Order } from './order.js';
import type { OrderStatus } from './order-status.js';

/**
 * That an order entered a status: what a warehouse or a notifier learns of it. `pending` is never announced; an
 * order is announced once its placement settled, and then at every change. `previousStatus` is the last announced
 * status, so null for an order's first event.
 */
export interface OrderChanged {
  readonly kind: 'order-changed';
  readonly order: Order;
  readonly previousStatus: OrderStatus | null;
}

/**
 * The event a store records with the write that turns `before` (absent for a new order) into `after`; none when
 * nothing changed or the order is still pending. Stores call this inside the write, so that an event exists if
 * and only if its change was committed.
 */
export function orderChangeOf(before: Order | undefined, after: Order): OrderChanged | undefined {
  if (after === before || after.status === 'pending') return undefined;
  if (before && before.version === after.version) return undefined;
  const previousStatus = !before || before.status === 'pending' ? null : before.status;
  return { kind: 'order-changed', order: after, previousStatus };
}

/** The id every delivery of an order's event carries: the order and the version the change produced. */
export const orderEventId = (order: Order): string => `${order.id}.${order.version}`;
