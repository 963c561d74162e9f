import type { LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { DomainEvent } from '../../../domain/domain-event.js';
import { orderEventId } from '../../../domain/order-event.js';
import { lastFormatted, orderResourceJson } from '../../inbound/http/order-views.js';

export const DEFAULT_EVENTS_SOURCE = '/avakart/order-service';

/** The envelope's `time`, formatted once per millisecond as the order's own `updatedAt` is (see lastFormatted). */
const eventTimeIso = lastFormatted();

/** An event as a store records it: everything of a LoggedEvent but its position, which the store assigns. */
export type EventRecord = Omit<LoggedEvent, 'position'>;

/** Turns a domain event into the record stores keep: the CloudEvent rendered once, at the write. */
export type EventRenderer = (event: DomainEvent) => EventRecord;

/**
 * CloudEvents 1.0 in structured JSON, as ../shared/avakart-events.md states it. `data.order` is the order exactly
 * as GET /orders/{id} answers it, so consumers decode one shape: the same text, rendered once for both.
 */
export function cloudEventRenderer(source: string = DEFAULT_EVENTS_SOURCE): EventRenderer {
  return (event) => {
    if (event.kind === 'stock-adjusted') {
      const { id, bookId, delta, stock, reason, at } = event.adjustment;
      const type = 'com.avakart.book.stock-adjusted';
      const body = JSON.stringify({
        specversion: '1.0',
        id,
        source,
        type,
        subject: bookId,
        time: at.toISOString(),
        datacontenttype: 'application/json',
        data: { bookId, delta, stock, reason, adjustmentId: id },
      });
      return { id, type, subject: bookId, time: at, body };
    }
    const { order, previousStatus } = event;
    const id = orderEventId(order);
    const type = `com.avakart.order.${order.status}`;
    const time = order.toSnapshot().updatedAt;
    const head = JSON.stringify({
      specversion: '1.0',
      id,
      source,
      type,
      subject: order.id,
      time: eventTimeIso(time),
      datacontenttype: 'application/json',
      orderversion: order.version,
    });
    // The envelope with `data` last, spliced in as text: {"previousStatus":…,"order":<the order's own JSON>}.
    const body = `${head.slice(0, -1)},"data":{"previousStatus":${JSON.stringify(previousStatus)},"order":${orderResourceJson(order)}}}`;
    return { id, type, subject: order.id, time, body };
  };
}
