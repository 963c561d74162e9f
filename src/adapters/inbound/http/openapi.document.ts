import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../application/list-user-orders.use-case.js';
import { DOCS_ASSETS } from './docs.routes.js';
import { bookPaths, bookSchemas } from './openapi.books.js';
import { eventPaths, eventSchemas } from './openapi.events.js';
import {
  headers, json, openOperation, problems, responses, schema, schemas, securedOperation, securitySchemes, text,
  withRequestId, type SchemaName,
} from './openapi.schemas.js';

/** What can go wrong with any route that reads a JSON body and reaches the storage backend. */
const bodyFailures = {
  400: problems('The body is not valid JSON.', ['MalformedJsonProblem']),
  413: problems('The body is larger than 64 KiB.', ['PayloadTooLargeProblem']),
  415: problems('The body is not application/json.', ['UnsupportedMediaTypeProblem']),
};
const common = {
  500: problems('A bug; the detail quotes the request id.', ['InternalErrorProblem']),
  503: problems('The storage backend failed; the detail says whether the change may have been applied.',
    ['DependencyProblem'], ['Retry-After']),
};
const body = (name: SchemaName) => ({ required: true, content: { 'application/json': { schema: schema(name) } } });
const idParameter = (name: string) => ({ name, in: 'path', required: true, schema: schema('Identifier') });

const idempotencyKey = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  description: 'A retry with the same key and body gets the first success again and places nothing.',
};

const placeOrderAnswers = (name: SchemaName) => ({
  201: { description: 'The order, confirmed (or the first answer again, for a repeated Idempotency-Key).',
    ...json(name, ['Location', 'ETag', 'Idempotent-Replayed']) },
  ...bodyFailures,
  400: problems('Malformed JSON, or an Idempotency-Key that is not 1 to 255 visible characters.',
    ['MalformedJsonProblem', 'ValidationProblem']),
  409: problems('Not enough stock (nothing was taken), or a request with this Idempotency-Key is still running.',
    ['InsufficientStockProblem', 'IdempotencyInFlightProblem'], ['Retry-After']),
  422: problems('A field is invalid, the book does not exist, or the Idempotency-Key came with another body.',
    ['ValidationProblem', 'BookNotFoundProblem', 'IdempotencyKeyReusedProblem']),
  ...common,
});

const statusChangeAnswers = (success: 200 | 201, name: SchemaName) => ({
  [success]: { description: 'The order in its new status.', ...json(name, ['ETag']) },
  ...bodyFailures,
  404: problems('No such order.', ['OrderNotFoundProblem']),
  409: problems('The lifecycle does not allow this move; `allowed` lists the moves that are.', ['IllegalTransitionProblem']),
  422: problems('The status is not one of the statuses.', ['ValidationProblem']),
  ...common,
});

const orderPaths = {
  '/orders': {
    post: securedOperation({
      summary: 'Place an order', operationId: 'placeOrder', tags: ['orders'], parameters: [idempotencyKey],
      requestBody: body('PlaceOrder'), responses: placeOrderAnswers('Order'),
    }),
  },
  '/orders/{id}': {
    get: securedOperation({
      summary: 'Read an order', operationId: 'getOrder', tags: ['orders'], parameters: [idParameter('id')],
      responses: { 200: { description: 'The order.', ...json('Order', ['ETag']) }, 404: problems('No such order.', ['OrderNotFoundProblem']), ...common },
    }),
  },
  '/orders/{id}/status': {
    put: securedOperation({
      summary: 'Change the status of an order', operationId: 'changeOrderStatus', tags: ['orders'],
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
    }),
  },
  '/orders/user/{userId}': {
    get: securedOperation({
      summary: "List a user's orders", operationId: 'listUserOrders', tags: ['orders'],
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
    }),
  },
  '/orders/create': {
    post: securedOperation({
      summary: 'Place an order (AvaKart shape)', operationId: 'avakartCreateOrder', tags: ['avakart'],
      description: 'For the Books service: snake_case, AvaKart shape.',
      parameters: [idempotencyKey], requestBody: body('AvakartCreate'), responses: placeOrderAnswers('AvakartOrder'),
    }),
  },
  '/orders/batch-process': {
    post: securedOperation({
      summary: 'Settle abandoned and released orders', operationId: 'avakartBatchProcess', tags: ['avakart'],
      description: 'For the recovery Job: expires abandoned pending orders and gives back the stock released orders still hold.',
      requestBody: body('BatchProcess'),
      responses: {
        200: { description: 'What this run settled.', ...json('BatchReport') },
        ...bodyFailures,
        422: problems('The limit is not a whole number.', ['ValidationProblem']),
        501: problems('The storage backend cannot answer the queries recovery needs.', ['NotSupportedProblem']),
        ...common,
      },
    }),
  },
  '/orders/update-status': {
    put: securedOperation({
      summary: 'Change the status of an order (AvaKart shape)', operationId: 'avakartUpdateStatus', tags: ['avakart'],
      description: 'For operators: answers 201 as the original did.',
      requestBody: body('AvakartStatus'), responses: statusChangeAnswers(201, 'AvakartOrder'),
    }),
  },
};

const operationsPaths = {
  '/health': {
    get: openOperation({ summary: 'Is the process up?', operationId: 'health', tags: ['health'], responses: { 200: text('The process is up.', 'OK') } }),
  },
  '/health/live': {
    get: openOperation({ summary: 'Liveness probe', operationId: 'liveness', tags: ['health'], responses: { 200: text('The process is up.', 'OK') } }),
  },
  '/health/startup': {
    get: openOperation({
      summary: 'Start-up probe', operationId: 'startup', tags: ['health'],
      responses: { 200: text('Start-up has finished.', 'Started'), 503: problems('Still starting.', ['NotStartedProblem']) },
    }),
  },
  '/health/ready': {
    get: openOperation({
      summary: 'Readiness probe', operationId: 'readiness', tags: ['health'],
      responses: {
        200: text('Started, not shutting down, and the storage backend answers.', 'Ready'),
        503: problems('Starting, shutting down, or the storage backend does not answer.', ['NotReadyProblem']),
      },
    }),
  },
  '/metrics': {
    get: securedOperation({
      summary: 'Prometheus metrics', operationId: 'metrics', tags: ['operations'],
      description: 'Open to all unless METRICS_REQUIRE_AUTH=true, which closes it like the /orders routes.',
      responses: {
        200: {
          description: 'Prometheus text exposition format.',
          headers: withRequestId(),
          content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
        },
        404: problems('METRICS_ENABLED=false.', ['NotFoundProblem']),
      },
    }),
  },
  '/openapi.json': {
    get: openOperation({
      summary: 'This document', operationId: 'openapi', tags: ['operations'],
      responses: { 200: { description: 'This document.', headers: withRequestId(), content: { 'application/json': { schema: { type: 'object' } } } } },
    }),
  },
  '/docs': {
    get: openOperation({
      summary: 'The API reference page', operationId: 'docs', tags: ['operations'],
      description: 'Swagger UI over this document, with a panel to try each operation against this service.',
      responses: { 200: text('An HTML page; its scripts and styles come from /docs/{asset}.', '<!doctype html>…', 'text/html') },
    }),
  },
  '/docs/{asset}': {
    get: openOperation({
      summary: 'A script, style or icon of the API reference page', operationId: 'docsAsset', tags: ['operations'],
      parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } }],
      responses: {
        200: {
          description: 'The file. The page asks for it with `?v=<version>`, so a copy may be kept for a day.',
          headers: withRequestId(),
          content: {
            'text/javascript': { schema: { type: 'string' } },
            'text/css': { schema: { type: 'string' } },
            'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
          },
        },
        404: problems('No such file.', ['NotFoundProblem']),
      },
    }),
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'AvaKart order service',
    version: '0.1.0',
    description: 'Places orders against the AvaKart catalogue and follows them through their lifecycle. Every error ' +
      'is RFC 9457 application/problem+json. Any path not listed answers 404 `not-found`; a listed path with ' +
      'another method answers 405 `method-not-allowed` with `Allow`.',
    license: { name: 'Proprietary: AvaKart internal use only', identifier: 'LicenseRef-AvaKart-Proprietary' },
  },
  servers: [{ url: '/', description: 'The service that serves this document' }],
  tags: [
    { name: 'orders', description: 'The order API: camelCase, ETag and If-Match, Idempotency-Key.' },
    { name: 'avakart', description: "The earlier Go order processor's routes and snake_case shape, for the Books service and the recovery Job." },
    { name: 'health', description: 'Kubernetes probes, open to all.' },
    { name: 'books', description: 'The catalog and its stock, for operators: books, their details and a ledger of stock adjustments.' },
    { name: 'events', description: 'The order events feed (CloudEvents 1.0), for consumers that page rather than subscribe.' },
    { name: 'operations', description: 'Metrics, this document and its reference page.' },
  ],
  paths: {
    ...orderPaths,
    // GET /orders (the fulfilment queue) shares its path with POST /orders.
    '/orders': { ...orderPaths['/orders'], ...eventPaths['/orders'] },
    '/events': eventPaths['/events'],
    ...bookPaths,
    ...operationsPaths,
    '/asyncapi.json': eventPaths['/asyncapi.json'],
  },
  components: { schemas: { ...schemas, ...eventSchemas, ...bookSchemas }, headers, responses, securitySchemes },
};
