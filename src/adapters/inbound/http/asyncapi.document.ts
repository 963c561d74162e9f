import { EVENT_TYPES } from '../../outbound/nats/event-subjects.js';
import { CLOUD_EVENT_REQUIRED, cloudEventAttributes, orderChangeData, orderVersion, stockAdjustedData } from './cloud-event.schemas.js';
import { schemas as openApiSchemas } from './openapi.schemas.js';

export interface AsyncApiSettings {
  /** EVENTS_NATS_STREAM */
  readonly stream: string;
  /** EVENTS_NATS_SUBJECT_PREFIX */
  readonly subjectPrefix: string;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** `order.confirmed` → `OrderConfirmed`; `book.stock-adjusted` → `BookStockAdjusted`. */
const pascal = (tail: string) => tail.split(/[.-]/).map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
const camel = (tail: string) => pascal(tail)[0]!.toLowerCase() + pascal(tail).slice(1);

// The order exactly as GET /orders/{id} answers it, but open to fields added later: the contract allows that.
const { additionalProperties: _closed, ...order } = openApiSchemas.Order;

const schemas = {
  Identifier: openApiSchemas.Identifier,
  OrderStatus: openApiSchemas.OrderStatus,
  Order: order,
  CloudEvent: {
    type: 'object', description: 'CloudEvents 1.0, structured JSON mode.', required: CLOUD_EVENT_REQUIRED, properties: cloudEventAttributes,
  },
  OrderEvent: {
    allOf: [ref('CloudEvent'), {
      type: 'object', required: ['orderversion', 'data'], properties: { orderversion: orderVersion, data: orderChangeData },
    }],
  },
  StockAdjustedEvent: {
    allOf: [ref('CloudEvent'), {
      type: 'object', required: ['data'],
      properties: { type: { const: 'com.avakart.book.stock-adjusted' }, data: stockAdjustedData },
    }],
  },
  NatsHeaders: {
    type: 'object', required: ['Nats-Msg-Id', 'Content-Type'],
    properties: {
      'Nats-Msg-Id': { type: 'string', description: "The event id: JetStream drops a repeat within the stream's duplicate window." },
      'Content-Type': { const: 'application/cloudevents+json' },
    },
  },
};

function message(type: string, tail: string) {
  const status = tail.startsWith('order.') ? tail.slice('order.'.length) : undefined;
  const payload = status
    ? { allOf: [ref('OrderEvent'), { type: 'object', properties: {
      type: { const: type }, data: { type: 'object', properties: { order: { type: 'object', properties: { status: { const: status } } } } },
    } }] }
    : ref('StockAdjustedEvent');
  return {
    name: pascal(tail),
    title: status ? `Order ${status}` : 'Book stock adjusted',
    summary: status ? `An order entered the status ${status}.` : 'The stock of a book was changed through the inventory API.',
    contentType: 'application/cloudevents+json',
    headers: ref('NatsHeaders'),
    payload,
  };
}

/**
 * The AsyncAPI 3.0 document of what the relay publishes: one channel per subject, named from the configured prefix,
 * each carrying one CloudEvent type.
 */
export function asyncApiDocument({ stream, subjectPrefix }: AsyncApiSettings) {
  const channels: Record<string, object> = {};
  const operations: Record<string, object> = {};
  const messages: Record<string, object> = {};
  for (const { type, tail } of EVENT_TYPES) {
    const id = camel(tail);
    const name = pascal(tail);
    messages[name] = message(type, tail);
    channels[id] = {
      address: `${subjectPrefix}.${tail}`,
      title: `${subjectPrefix}.${tail}`,
      description: `Events of type \`${type}\`, in stream \`${stream}\`.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`send${name}`] = {
      action: 'send',
      title: `Publish ${type}`,
      summary: `The order service publishes each \`${type}\` event once JetStream acknowledged it.`,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${name}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'AvaKart order events',
      version: '0.1.0',
      description: [
        `What the order service publishes to NATS JetStream when EVENTS_NATS_URL is set: the stream \`${stream}\` takes`,
        `\`${subjectPrefix}.>\`. Each message is one CloudEvent (structured JSON) with headers \`Nats-Msg-Id\` (the event`,
        'id) and `Content-Type: application/cloudevents+json`. Delivery is at least once: deduplicate on the event id.',
        "Per order, events arrive in increasing `orderversion`. The same events are served by `GET /events` (see /openapi.json).",
      ].join(' '),
      license: { name: 'Proprietary: AvaKart internal use only' },
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations,
    components: { schemas, messages },
  };
}
