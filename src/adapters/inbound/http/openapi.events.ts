import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../application/list-user-orders.use-case.js';
import { DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE, MAX_EVENT_WAIT_MS } from '../../../application/read-events.use-case.js';
import { ORDER_STATUSES } from '../../../domain/order-status.js';
import { CLOUD_EVENT_REQUIRED, cloudEventAttributes, orderChangeData, orderVersion, stockAdjustedData } from './cloud-event.schemas.js';
import { json, openOperation, problems, securedOperation, withRequestId } from './openapi.schemas.js';

/*
 * The feed, the fulfilment queue and the AsyncAPI document, as a fragment of /openapi.json: `eventSchemas` go into
 * components.schemas, `eventPaths` into paths. `/orders` already holds `post` there: merge this `get` into it.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const eventSchemas = {
  CloudEvent: {
    type: 'object', description: 'A CloudEvents 1.0 event in structured JSON (../shared/avakart-events.md). Fields may be added, never removed.',
    required: CLOUD_EVENT_REQUIRED,
    properties: { ...cloudEventAttributes, orderversion: orderVersion, data: { anyOf: [ref('OrderChange'), ref('StockAdjustment')] } },
  },
  OrderChange: orderChangeData,
  StockAdjustment: stockAdjustedData,
  EventPage: {
    type: 'object', additionalProperties: false, required: ['events', 'nextCursor'],
    properties: {
      events: { type: 'array', items: ref('CloudEvent'), description: 'Oldest first.' },
      nextCursor: { type: 'string', description: 'Pass back as `after`; when no event came, it marks the same position.' },
    },
  },
  CursorExpiredProblem: {
    allOf: [ref('Problem'), { type: 'object', properties: { type: { const: '/problems/cursor-expired' } }, required: [] }],
  },
};

const failures = {
  500: problems('A bug; the detail quotes the request id.', ['InternalErrorProblem']),
  503: problems('The storage backend failed.', ['DependencyProblem'], ['Retry-After']),
};

export const eventPaths = {
  '/events': {
    get: securedOperation({
      summary: 'Read the order events', operationId: 'readEvents', tags: ['events'],
      description: 'The events of every committed change, oldest first, a page at a time. With `wait` and nothing after ' +
        'the cursor, the answer comes as soon as an event is committed, or empty when the wait ends.',
      parameters: [
        { name: 'after', in: 'query', schema: { type: 'string', maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' },
          description: 'A nextCursor from an earlier page; absent: from the oldest retained event.' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_EVENT_PAGE, default: DEFAULT_EVENT_PAGE } },
        { name: 'wait', in: 'query', schema: { type: 'number', minimum: 0, maximum: MAX_EVENT_WAIT_MS / 1000, default: 0 },
          description: 'Seconds to wait for an event when none is after the cursor (long poll).' },
      ],
      responses: {
        200: { description: 'A page of events and the cursor to go on from.', headers: withRequestId(),
          content: { 'application/json': { schema: ref('EventPage') } } },
        400: problems('`after`, `limit` or `wait` is malformed.', ['ValidationProblem']),
        410: { description: 'The cursor points before the oldest retained event (EVENTS_RETENTION_HOURS): start again without `after`.',
          headers: withRequestId(), content: { 'application/problem+json': { schema: ref('CursorExpiredProblem') } } },
        ...failures,
      },
    }),
  },
  '/orders': {
    get: securedOperation({
      summary: 'List orders to work through', operationId: 'listOrderQueue', tags: ['orders'],
      description: 'The fulfilment queue: orders oldest first (by createdAt, then id), e.g. `?status=confirmed` for those to ship.',
      parameters: [
        { name: 'status', in: 'query', schema: ref('OrderStatus') },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
        { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 512 }, description: 'A nextCursor from an earlier page.' },
      ],
      responses: {
        200: { description: `A page of orders, oldest first; nextCursor is null on the last. Statuses: ${ORDER_STATUSES.join(', ')}.`, ...json('OrderPage') },
        400: problems('An unknown status, or a bad limit or cursor.', ['ValidationProblem']),
        ...failures,
      },
    }),
  },
  '/asyncapi.json': {
    get: openOperation({
      summary: 'The AsyncAPI document of the broker channels', operationId: 'asyncapi', tags: ['operations'],
      description: 'AsyncAPI 3.0: the NATS JetStream subjects events are published to, from the configured stream and prefix.',
      responses: { 200: { description: 'The AsyncAPI 3.0 document.', headers: withRequestId(), content: { 'application/json': { schema: { type: 'object' } } } } },
    }),
  },
};
