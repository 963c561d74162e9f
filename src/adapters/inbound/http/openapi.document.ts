import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../application/list-user-orders.use-case.js';
import { schemas, type SchemaName } from './openapi.schemas.js';

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

const json = (schema: SchemaName, headers: string[] = []) => ({
  headers: Object.fromEntries(['X-Request-Id', ...headers].map((name) => [name, header(name)])),
  content: { 'application/json': { schema: ref(schema) } },
});
const text = (description: string, example: string) => ({
  description,
  headers: { 'X-Request-Id': header('X-Request-Id') },
  content: { 'text/plain': { schema: { type: 'string' }, example } },
});
const problems = (description: string, names: SchemaName[], headers: string[] = []) => ({
  description,
  headers: Object.fromEntries(['X-Request-Id', ...headers].map((name) => [name, header(name)])),
  content: { 'application/problem+json': { schema: names.length === 1 ? ref(names[0]!) : { oneOf: names.map(ref) } } },
});

/** What can go wrong with any route that reads a JSON body and reaches the storage backend. */
const bodyFailures = {
  400: problems('The body is not valid JSON.', ['MalformedJsonProblem']),
  413: problems('The body is larger than 64 KiB.', ['PayloadTooLargeProblem']),
  415: problems('The body is not application/json.', ['UnsupportedMediaTypeProblem']),
};
const common = {
  401: problems('AUTH_TOKENS is set and the request has no valid bearer token.', ['UnauthorizedProblem'], ['WWW-Authenticate']),
  500: problems('A bug; the detail quotes the request id.', ['InternalErrorProblem']),
  503: problems('The storage backend failed; the detail says whether the change may have been applied.',
    ['DependencyProblem'], ['Retry-After']),
};
const secured = { security: [{ bearer: [] }, {}] };
const body = (schema: SchemaName) => ({ required: true, content: { 'application/json': { schema: ref(schema) } } });
const idParameter = (name: string) => ({ name, in: 'path', required: true, schema: ref('Identifier') });

const idempotencyKey = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  description: 'A retry with the same key and body gets the first success again and places nothing.',
};

const placeOrderAnswers = (schema: SchemaName) => ({
  201: { description: 'The order, confirmed (or the first answer again, for a repeated Idempotency-Key).',
    ...json(schema, ['Location', 'ETag', 'Idempotent-Replayed']) },
  ...bodyFailures,
  400: problems('Malformed JSON, or an Idempotency-Key that is not 1 to 255 visible characters.',
    ['MalformedJsonProblem', 'ValidationProblem']),
  409: problems('Not enough stock (nothing was taken), or a request with this Idempotency-Key is still running.',
    ['InsufficientStockProblem', 'IdempotencyInFlightProblem'], ['Retry-After']),
  422: problems('A field is invalid, the book does not exist, or the Idempotency-Key came with another body.',
    ['ValidationProblem', 'BookNotFoundProblem', 'IdempotencyKeyReusedProblem']),
  ...common,
});

const statusChangeAnswers = (success: 200 | 201, schema: SchemaName) => ({
  [success]: { description: 'The order in its new status.', ...json(schema, ['ETag']) },
  ...bodyFailures,
  404: problems('No such order.', ['OrderNotFoundProblem']),
  409: problems('The lifecycle does not allow this move; `allowed` lists the moves that are.', ['IllegalTransitionProblem']),
  422: problems('The status is not one of the statuses.', ['ValidationProblem']),
  ...common,
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'AvaKart order service',
    version: '0.1.0',
    description: 'Places orders against the AvaKart catalogue and follows them through their lifecycle. Every error ' +
      'is RFC 9457 application/problem+json. Any path not listed answers 404 `not-found`; a listed path with ' +
      'another method answers 405 `method-not-allowed` with `Allow`.',
  },
  servers: [{ url: 'http://localhost:8082' }],
  paths: {
    '/orders': {
      post: {
        operationId: 'placeOrder', tags: ['orders'], ...secured, parameters: [idempotencyKey],
        requestBody: body('PlaceOrder'), responses: placeOrderAnswers('Order'),
      },
    },
    '/orders/{id}': {
      get: {
        operationId: 'getOrder', tags: ['orders'], ...secured, parameters: [idParameter('id')],
        responses: { 200: { description: 'The order.', ...json('Order', ['ETag']) }, 404: problems('No such order.', ['OrderNotFoundProblem']), ...common },
      },
    },
    '/orders/{id}/status': {
      put: {
        operationId: 'changeOrderStatus', tags: ['orders'], ...secured,
        parameters: [idParameter('id'), {
          name: 'If-Match', in: 'header', required: false, schema: { type: 'string' },
          description: 'The ETag of the order as read ("3") or *; required when REQUIRE_IF_MATCH=true.',
        }],
        requestBody: body('ChangeStatus'),
        responses: {
          ...statusChangeAnswers(200, 'Order'),
          400: problems('Malformed JSON, or an If-Match this service did not issue.', ['MalformedJsonProblem', 'ValidationProblem']),
          412: problems('The order has moved past the version in If-Match.', ['VersionMismatchProblem']),
          428: problems('REQUIRE_IF_MATCH=true and the request has no If-Match.', ['PreconditionRequiredProblem']),
        },
      },
    },
    '/orders/user/{userId}': {
      get: {
        operationId: 'listUserOrders', tags: ['orders'], ...secured,
        parameters: [
          idParameter('userId'),
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
          { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 512 }, description: 'A nextCursor from an earlier page.' },
        ],
        responses: {
          200: { description: "A page of the user's orders, newest first.", ...json('OrderPage') },
          400: problems('A parameter is invalid.', ['ValidationProblem']),
          ...common,
        },
      },
    },
    '/orders/create': {
      post: {
        operationId: 'avakartCreateOrder', tags: ['avakart'], ...secured, description: 'For the Books service: snake_case, AvaKart shape.',
        parameters: [idempotencyKey], requestBody: body('AvakartCreate'), responses: placeOrderAnswers('AvakartOrder'),
      },
    },
    '/orders/batch-process': {
      post: {
        operationId: 'avakartBatchProcess', tags: ['avakart'], ...secured,
        description: 'For the recovery Job: expires abandoned pending orders and gives back the stock released orders still hold.',
        requestBody: body('BatchProcess'),
        responses: {
          200: { description: 'What this run settled.', ...json('BatchReport') },
          ...bodyFailures,
          422: problems('The limit is not a whole number.', ['ValidationProblem']),
          501: problems('The storage backend cannot answer the queries recovery needs.', ['NotSupportedProblem']),
          ...common,
        },
      },
    },
    '/orders/update-status': {
      put: {
        operationId: 'avakartUpdateStatus', tags: ['avakart'], ...secured, description: 'For operators: answers 201 as the original did.',
        requestBody: body('AvakartStatus'), responses: statusChangeAnswers(201, 'AvakartOrder'),
      },
    },
    '/health': { get: { operationId: 'health', tags: ['health'], responses: { 200: text('The process is up.', 'OK') } } },
    '/health/live': { get: { operationId: 'liveness', tags: ['health'], responses: { 200: text('The process is up.', 'OK') } } },
    '/health/startup': {
      get: {
        operationId: 'startup', tags: ['health'],
        responses: { 200: text('Start-up has finished.', 'Started'), 503: problems('Still starting.', ['NotStartedProblem']) },
      },
    },
    '/health/ready': {
      get: {
        operationId: 'readiness', tags: ['health'],
        responses: {
          200: text('Started, not shutting down, and the storage backend answers.', 'Ready'),
          503: problems('Starting, shutting down, or the storage backend does not answer.', ['NotReadyProblem']),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics', tags: ['operations'],
        responses: {
          200: {
            description: 'Prometheus text exposition format.',
            headers: { 'X-Request-Id': header('X-Request-Id') },
            content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
          },
          404: problems('METRICS_ENABLED=false.', ['NotFoundProblem']),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi', tags: ['operations'],
        responses: { 200: { description: 'This document.', headers: { 'X-Request-Id': header('X-Request-Id') }, content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  },
  components: {
    schemas,
    headers: {
      'X-Request-Id': { description: "The caller's X-Request-Id when it is sane, else a new UUID.", schema: { type: 'string' } },
      Location: { description: 'The URL of the new order.', schema: { type: 'string' } },
      ETag: { description: 'The order version, as a strong ETag: "3".', schema: { type: 'string', pattern: '^"\\d+"$' } },
      'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
      'WWW-Authenticate': { schema: { type: 'string' } },
      'Idempotent-Replayed': { description: '`true` on the repeated answer to an Idempotency-Key.', schema: { const: 'true' } },
    },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required on /orders routes when AUTH_TOKENS is set.' } },
  },
};
