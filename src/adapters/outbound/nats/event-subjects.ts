import { ORDER_STATUSES } from '../../../domain/order-status.js';

const TYPE_PREFIX = 'com.avakart.';

/** The statuses an order is announced in: every one but `pending` (../shared/avakart-events.md). */
export const ANNOUNCED_STATUSES = ORDER_STATUSES.filter((status) => status !== 'pending');

/** The CloudEvent types this service emits, each with the tail that names its subject on the broker. */
export const EVENT_TYPES = [
  ...ANNOUNCED_STATUSES.map((status) => ({ type: `${TYPE_PREFIX}order.${status}`, tail: `order.${status}` })),
  { type: `${TYPE_PREFIX}book.stock-adjusted`, tail: 'book.stock-adjusted' },
] as const;

/**
 * The broker subject of an event type: `com.avakart.order.shipped` goes to `<prefix>.order.shipped`. Undefined
 * for a type this service does not emit, so that nothing lands on a subject no consumer was told about.
 */
export function subjectFor(prefix: string, type: string): string | undefined {
  const known = EVENT_TYPES.find((entry) => entry.type === type);
  return known ? `${prefix}.${known.tail}` : undefined;
}

/** The subjects a stream must take to hold every event: `<prefix>.>`. */
export const streamSubjects = (prefix: string): string[] => [`${prefix}.>`];
