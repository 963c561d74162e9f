/*
 * The CloudEvent as both descriptions give it: /openapi.json for the feed, /asyncapi.json for the broker. One
 * statement, so the two never drift apart; each document places it among its own components.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const CLOUD_EVENT_REQUIRED = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'];

/** The envelope's attributes, every event alike. */
export const cloudEventAttributes = {
  specversion: { const: '1.0' },
  id: { type: 'string', description: 'Unique per event and the same on every delivery (feed, broker, retries): deduplicate on it.' },
  source: { type: 'string', description: 'EVENTS_SOURCE, by default /avakart/order-service.' },
  type: { type: 'string', pattern: '^com\\.avakart\\.(order\\.[a-z]+|book\\.stock-adjusted)$', examples: ['com.avakart.order.confirmed'] },
  subject: { type: 'string', description: 'The order id (the book id for a stock adjustment).' },
  time: { type: 'string', format: 'date-time', description: 'When the change was made (UTC, milliseconds).' },
  datacontenttype: { const: 'application/json' },
};

export const orderVersion = {
  type: 'integer', minimum: 1, description: "The order's version after the change; increases per order. Order events only.",
};

/** `data` of com.avakart.order.<status>. */
export const orderChangeData = {
  type: 'object', required: ['previousStatus', 'order'],
  properties: {
    previousStatus: { oneOf: [ref('OrderStatus'), { type: 'null' }], description: "The status the order left; null for an order's first event." },
    order: ref('Order'),
  },
};

/** `data` of com.avakart.book.stock-adjusted. */
export const stockAdjustedData = {
  type: 'object', required: ['bookId', 'delta', 'stock', 'reason', 'adjustmentId'],
  properties: {
    bookId: ref('Identifier'),
    delta: { type: 'integer', description: 'Copies added (positive) or taken (negative).' },
    stock: { type: 'integer', minimum: 0, description: 'The stock after the adjustment.' },
    reason: { type: 'string' },
    adjustmentId: { type: 'string' },
  },
};
