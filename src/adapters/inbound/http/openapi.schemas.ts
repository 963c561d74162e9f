import { MAX_ID_LENGTH } from '../../../domain/identifiers.js';
import { ORDER_STATUSES } from '../../../domain/order-status.js';
import { MAX_QUANTITY } from '../../../domain/quantity.js';

/*
 * The components of /openapi.json, and the helpers every path of it is written with (openapi.document.ts, and any
 * other file contributing paths): a path file imports from here, never from openapi.document.ts, which imports it.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The domain's identifier rule: not blank, no control characters (the length is checked by min/maxLength). */
const identifier = {
  type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH,
  pattern: '^(?![\\s\\S]*[\\u0000-\\u001f\\u007f])(?=[\\s\\S]*\\S)',
};
const quantity = { type: 'integer', minimum: 1, maximum: MAX_QUANTITY };
const amount = { type: 'number', minimum: 0, description: 'Currency units, exact to the cent.' };
const timestamp = { type: 'string', format: 'date-time' };

/** A problem of one type, with the extension members that type carries. */
const problemOf = (slug: string, extensions: Record<string, object> = {}, required: string[] = []) => ({
  allOf: [ref('Problem'), {
    type: 'object',
    properties: { type: { const: `/problems/${slug}` }, ...extensions },
    required: Object.keys(extensions).length ? required : [],
  }],
});

export const schemas = {
  Identifier: identifier,
  OrderStatus: { type: 'string', enum: [...ORDER_STATUSES] },
  Order: {
    type: 'object', additionalProperties: false,
    required: ['id', 'bookId', 'userId', 'quantity', 'unitPrice', 'total', 'status', 'createdAt', 'updatedAt', 'version'],
    properties: {
      id: ref('Identifier'), bookId: ref('Identifier'), userId: ref('Identifier'), quantity,
      unitPrice: amount, total: amount, status: ref('OrderStatus'), createdAt: timestamp, updatedAt: timestamp,
      version: { type: 'integer', minimum: 1, description: 'Also sent as the strong ETag "<version>".' },
    },
  },
  OrderPage: {
    type: 'object', additionalProperties: false, required: ['orders', 'nextCursor'],
    properties: {
      orders: { type: 'array', items: ref('Order') },
      nextCursor: { type: ['string', 'null'], description: 'Pass back as `cursor` for the next page; null on the last.' },
    },
  },
  AvakartOrder: {
    type: 'object', additionalProperties: false, description: 'The AvaKart storage Order; `price` is the order total.',
    required: ['id', 'book_id', 'user_id', 'status', 'price', 'quantity', 'created'],
    properties: {
      id: ref('Identifier'), book_id: ref('Identifier'), user_id: ref('Identifier'), status: ref('OrderStatus'),
      price: amount, quantity, created: timestamp,
    },
  },
  PlaceOrder: {
    type: 'object', required: ['bookId', 'userId', 'quantity'],
    properties: { bookId: ref('Identifier'), userId: ref('Identifier'), quantity },
  },
  ChangeStatus: { type: 'object', required: ['status'], properties: { status: ref('OrderStatus') } },
  AvakartCreate: {
    type: 'object', required: ['book_id', 'user_id', 'quantity'],
    properties: { book_id: ref('Identifier'), user_id: ref('Identifier'), quantity },
  },
  AvakartStatus: {
    type: 'object', required: ['order_id', 'status'],
    properties: { order_id: ref('Identifier'), status: ref('OrderStatus') },
  },
  BatchProcess: {
    type: 'object', description: 'A limit of 0 or less (or none) means 100; at most 1000 orders are looked at.',
    properties: { limit: { type: 'integer' } },
  },
  BatchReport: {
    type: 'object', additionalProperties: false, required: ['processed_count', 'message', 'expired', 'released', 'skipped'],
    properties: {
      processed_count: { type: 'integer', minimum: 0 }, message: { type: 'string' },
      expired: { type: 'integer', minimum: 0, description: 'Abandoned pending orders moved to expired.' },
      released: { type: 'integer', minimum: 0, description: 'Released orders whose stock was given back again.' },
      skipped: { type: 'integer', minimum: 0, description: 'Orders another worker changed first.' },
    },
  },
  Problem: {
    type: 'object', description: 'RFC 9457 problem details; `type` is a stable slug under /problems/.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', pattern: '^/problems/[a-z][a-z-]*$' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
    },
  },
  ValidationProblem: problemOf('validation-error', {
    errors: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['pointer', 'detail'],
        properties: { pointer: { type: 'string' }, detail: { type: 'string' } },
      },
    },
  }, ['errors']),
  BookNotFoundProblem: problemOf('book-not-found', { bookId: { type: 'string' } }, ['bookId']),
  InsufficientStockProblem: problemOf('insufficient-stock', {
    bookId: { type: 'string' }, requested: { type: 'integer' }, available: { type: 'integer' },
    orderId: { type: 'string', description: 'Set when the order was recorded as rejected.' },
  }, ['bookId', 'requested', 'available']),
  OrderNotFoundProblem: problemOf('order-not-found', { orderId: { type: 'string' } }, ['orderId']),
  IllegalTransitionProblem: problemOf('illegal-transition', {
    orderId: { type: 'string' }, from: ref('OrderStatus'), to: ref('OrderStatus'),
    allowed: { type: 'array', items: ref('OrderStatus') },
  }, ['orderId', 'from', 'to', 'allowed']),
  VersionMismatchProblem: problemOf('version-mismatch', {
    orderId: { type: 'string' }, currentVersion: { type: 'integer' },
  }, ['orderId', 'currentVersion']),
  DependencyProblem: problemOf('dependency-unavailable', { dependency: { type: 'string' } }, ['dependency']),
  MalformedJsonProblem: problemOf('malformed-json'),
  UnsupportedMediaTypeProblem: problemOf('unsupported-media-type'),
  PayloadTooLargeProblem: problemOf('payload-too-large'),
  PreconditionRequiredProblem: problemOf('precondition-required'),
  UnauthorizedProblem: problemOf('unauthorized'),
  NotFoundProblem: problemOf('not-found'),
  InternalErrorProblem: problemOf('internal-error'),
  NotSupportedProblem: problemOf('not-supported'),
  IdempotencyKeyReusedProblem: problemOf('idempotency-key-reused'),
  IdempotencyInFlightProblem: problemOf('idempotency-key-in-flight'),
  NotStartedProblem: problemOf('not-started'),
  NotReadyProblem: problemOf('not-ready'),
};

export type SchemaName = keyof typeof schemas;

export const headers = {
  'X-Request-Id': { description: "The caller's X-Request-Id when it is sane, else a new UUID.", schema: { type: 'string' } },
  Location: { description: 'The URL of the new order.', schema: { type: 'string' } },
  ETag: { description: 'The order version, as a strong ETag: "3".', schema: { type: 'string', pattern: '^"\\d+"$' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
  'WWW-Authenticate': { description: 'The scheme a token is expected in.', schema: { type: 'string' } },
  'Idempotent-Replayed': { description: '`true` on the repeated answer to an Idempotency-Key.', schema: { const: 'true' } },
};
type HeaderName = keyof typeof headers;

export const responses = {
  UnreadableRequest: {
    description: "Answered by Node's HTTP server before any route runs, without a body: 400 for a request that is " +
      'not HTTP/1.1, 408 when its headers take over 10 s or the whole request over 30 s, 431 for headers over 16 KiB.',
  },
};

export const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', description: 'Needed when the service is started with AUTH_TOKENS or AUTH_TOKENS_FILE.' },
};

/** A reference to one of the schemas above, checked by the compiler. */
export const schema = (name: SchemaName) => ref(name);
const header = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });
/** X-Request-Id, which every answer carries, and the headers named. */
export const withRequestId = (names: HeaderName[] = []) =>
  Object.fromEntries((['X-Request-Id', ...names] as HeaderName[]).map((name) => [name, header(name)]));

/** A JSON answer of one schema, with X-Request-Id and the headers named. */
export const json = (name: SchemaName, headerNames: HeaderName[] = []) => ({
  headers: withRequestId(headerNames),
  content: { 'application/json': { schema: schema(name) } },
});
export const text = (description: string, example: string, mediaType = 'text/plain') => ({
  description,
  headers: withRequestId(),
  content: { [mediaType]: { schema: { type: 'string' }, example } },
});
/** A problem+json answer of one problem type, or of any of several. */
export const problems = (description: string, names: SchemaName[], headerNames: HeaderName[] = []) => ({
  description,
  headers: withRequestId(headerNames),
  content: { 'application/problem+json': { schema: names.length === 1 ? schema(names[0]!) : { oneOf: names.map(schema) } } },
});

export interface Operation {
  readonly summary: string;
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly parameters?: readonly object[];
  readonly requestBody?: object;
  readonly responses: Readonly<Record<string, object>>;
}

const withUnreadable = (operation: Operation, security: object[], extra: Record<string, object> = {}) => {
  const { summary, operationId, tags, ...rest } = operation;
  return {
    summary, operationId, tags, ...rest, security,
    responses: { ...operation.responses, ...extra, '4XX': { $ref: '#/components/responses/UnreadableRequest' } },
  };
};

const unauthorized = problems('The service has tokens and the request carries no valid one.', ['UnauthorizedProblem'], ['WWW-Authenticate']);

/**
 * An operation bearerAuth can guard: a token is needed when the service has tokens configured, none otherwise (the
 * empty alternative), and a missing or wrong one is 401. Every route but the open ones below is one.
 */
export const securedOperation = (operation: Operation) =>
  withUnreadable(operation, [{ bearer: [] }, {}], { 401: unauthorized });

/** An operation open to all whatever the configuration (http-app.ts's OPEN_PATHS): probes, documents, the docs page. */
export const openOperation = (operation: Operation) => withUnreadable(operation, []);
