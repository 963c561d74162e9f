import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { buildHttpApp } from '../../src/adapters/inbound/http/http-app.js';
import { ServiceMetrics } from '../../src/adapters/inbound/http/metrics.js';
import { openApiDocument } from '../../src/adapters/inbound/http/openapi.document.js';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { buildContainer, resolveUseCases } from '../../src/infrastructure/container.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService, type JsonResponse } from '../support/test-service.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const doc = openApiDocument as any;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/**
 * Documented answers no test can provoke through the front door: bugs, a start-up that is not yet listening, and
 * the 4XX Node's HTTP server gives a request fetch cannot send.
 */
const UNPROVOKABLE = /^(\w+ 500|startup 503|\w+ 4XX)$/;

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addVocabulary(['openapi', 'info', 'servers', 'tags', 'paths', 'components']);
ajv.addSchema({ ...doc, $id: 'openapi.json' });
const compiled = new Map<string, ValidateFunction>();
const validatorAt = (pointer: string[]) => {
  const fragment = pointer.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
  if (!compiled.has(fragment)) compiled.set(fragment, ajv.compile({ $ref: `openapi.json#/${fragment}` }));
  return compiled.get(fragment)!;
};
const valid = (validate: ValidateFunction, value: unknown) =>
  validate(value) ? 'valid' : ajv.errorsText(validate.errors);

/** The operation a real request reaches: literal path segments win over parameters, as in the router. */
function operationFor(method: string, path: string): [string, any] {
  const candidates = Object.keys(doc.paths)
    .filter((template) => doc.paths[template][method.toLowerCase()])
    .filter((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!))
    .sort((a, b) => a.split('{').length - b.split('{').length);
  if (!candidates.length) throw new Error(`${method} ${path} is not documented`);
  return [candidates[0]!, doc.paths[candidates[0]!][method.toLowerCase()]];
}

const exercised = new Set<string>();

/** Asserts that the answer is one the document promises: status, media type, body schema and header schemas. */
function conforms(method: string, path: string, response: JsonResponse): void {
  const [template, operation] = operationFor(method, path);
  const status = String(response.status);
  const answer = operation.responses[status];
  expect(`${method} ${path} → ${status}${answer ? '' : ' (undocumented)'}`).toBe(`${method} ${path} → ${status}`);
  exercised.add(`${operation.operationId} ${status}`);
  const contentType = response.headers.get('content-type') ?? '';
  const mediaType = Object.keys(answer.content).find((type) => contentType.startsWith(type));
  expect([contentType, mediaType !== undefined]).toEqual([contentType, true]);
  const pointer = ['paths', template, method.toLowerCase(), 'responses', status];
  const body = mediaType!.includes('json') ? response.body : response.text;
  expect(`${method} ${path}: ${valid(validatorAt([...pointer, 'content', mediaType!, 'schema']), body)}`).toBe(`${method} ${path}: valid`);
  for (const name of Object.keys(answer.headers ?? {})) {
    const value = response.headers.get(name);
    if (value !== null) expect(`${name}: ${valid(validatorAt(['components', 'headers', name, 'schema']), value)}`).toBe(`${name}: valid`);
  }
}

/** A backend whose every port call fails as a storage outage does, and whose health check fails too. */
function brokenBackend(): StorageBackend {
  const memory = openMemoryBackend();
  const failing = <P extends object>(port: P): P => new Proxy(port, {
    get: (target, property) => typeof Reflect.get(target, property) === 'function'
      ? () => Promise.reject(new DependencyFailure('storage service', 'connection refused'))
      : Reflect.get(target, property),
  });
  return { name: 'broken', orders: failing(memory.orders), inventory: failing(memory.inventory), events: failing(memory.events), books: failing(memory.books!),
    staleOrders: failing(memory.staleOrders!), check: () => Promise.reject(new Error('down')), close: async () => {} };
}

/** The memory backend with placing slowed down, so a second request can arrive while the first runs. */
function slowBackend(): StorageBackend {
  const memory = openMemoryBackend();
  const orders = new Proxy(memory.orders, {
    get: (target, property) => property === 'place'
      ? (...args: Parameters<typeof target.place>) => new Promise((resolve) => setTimeout(resolve, 300)).then(() => target.place(...args))
      : Reflect.get(target, property, target),
  });
  return { ...memory, orders };
}

const TOKEN = 'openapi-test-token-0123456789';
const ADMIN_TOKEN = 'openapi-admin-token-0123456789';
const services: Record<string, RunningService> = {};
beforeAll(async () => {
  services.main = await startTestService();
  services.auth = await startTestService({ AUTH_TOKENS: TOKEN });
  services.ifMatch = await startTestService({ REQUIRE_IF_MATCH: 'true' });
  services.noMetrics = await startTestService({ METRICS_ENABLED: 'false' });
  services.closedMetrics = await startTestService({ AUTH_TOKENS: TOKEN, METRICS_REQUIRE_AUTH: 'true' });
  services.broken = await startTestService({}, { backend: brokenBackend() });
  services.slow = await startTestService({}, { backend: slowBackend() });
  services.noRecovery = await startTestService({}, { backend: { ...openMemoryBackend(), staleOrders: undefined } });
  services.admin = await startTestService({ AUTH_TOKENS: TOKEN, ADMIN_TOKENS: ADMIN_TOKEN });
});
afterAll(() => Promise.all(Object.values(services).map((service) => service.stop())));

async function check(on: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const response = await request(services[on]!.url, method, path, body, headers);
  conforms(method, path, response);
  return response;
}

describe('GET /openapi.json', () => {
  it('serves the OpenAPI 3.1 document the module holds', async () => {
    const response = await check('main', 'GET', '/openapi.json');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(response.body.openapi).toBe('3.1.0');
  });

  it('documents exactly the routes the router serves', () => {
    const app = buildHttpApp({
      useCases: resolveUseCases(buildContainer(openMemoryBackend())),
      health: { isStarted: () => true, isShuttingDown: () => false, checkBackend: async () => {} },
      log: { info: () => {}, error: () => {} },
      metrics: new ServiceMetrics(),
    });
    const router = (app.middleware.find((m) => 'router' in m) as any).router;
    const served = router.stack.flatMap((layer: any) => layer.methods.filter((m: string) => m !== 'HEAD')
      .map((m: string) => `${m} ${layer.path.replace(/:(\w+)/g, '{$1}')}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it('has schemas that compile strictly, unique operation ids and declared path parameters', () => {
    for (const name of Object.keys(doc.components.schemas)) validatorAt(['components', 'schemas', name]);
    const operations = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      METHODS.filter((m) => item[m]).map((m) => [path, item[m]] as [string, any]));
    expect(new Set(operations.map(([, op]) => op.operationId)).size).toBe(operations.length);
    for (const [path, op] of operations) {
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
      expect([path, declared]).toEqual([path, [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()]);
    }
  });
});

describe('real answers match the document', () => {
  const big = { bookId: 'b1', userId: 'u', quantity: 1, padding: 'x'.repeat(70 * 1024) };
  const form = { 'content-type': 'text/plain' };

  it('for the /orders API', async () => {
    const placed = (await check('main', 'POST', '/orders', { bookId: 'b2', userId: 'doc-user', quantity: 1 })).body;
    const id = encodeURIComponent(placed.id);
    await check('main', 'POST', '/orders', '{"bookId":');
    await check('main', 'POST', '/orders', big);
    await check('main', 'POST', '/orders', 'x', form);
    await check('main', 'POST', '/orders', { bookId: 'b5', userId: 'doc-user', quantity: 2 });
    await check('main', 'POST', '/orders', { bookId: 'b1', quantity: 0 });
    await check('main', 'POST', '/orders', { bookId: 'no-such-book', userId: 'doc-user', quantity: 1 });
    await check('main', 'GET', `/orders/${id}`);
    await check('main', 'GET', '/orders/no-such-order');
    await check('main', 'GET', '/orders/user/doc-user?limit=1');
    await check('main', 'GET', '/orders/user/doc-user?limit=0');
    await check('main', 'PUT', `/orders/${id}/status`, { status: 'processing' }, { 'If-Match': '"2"' });
    await check('main', 'PUT', `/orders/${id}/status`, { status: 'shipped' }, { 'If-Match': '"2"' });
    await check('main', 'PUT', `/orders/${id}/status`, { status: 'shipped' }, { 'If-Match': 'yesterday' });
    await check('main', 'PUT', `/orders/${id}/status`, '{');
    await check('main', 'PUT', `/orders/${id}/status`, { status: 'pending' });
    await check('main', 'PUT', `/orders/${id}/status`, { status: 'banana' });
    await check('main', 'PUT', `/orders/${id}/status`, big);
    await check('main', 'PUT', `/orders/${id}/status`, 'x', form);
    await check('main', 'PUT', '/orders/no-such-order/status', { status: 'cancelled' });
    await check('ifMatch', 'PUT', `/orders/${id}/status`, { status: 'cancelled' });
  });

  it('for the AvaKart compatibility routes', async () => {
    const placed = (await check('main', 'POST', '/orders/create', { book_id: 'b3', user_id: 'doc-user', quantity: 1 })).body;
    await check('main', 'POST', '/orders/create', '{"book_id":');
    await check('main', 'POST', '/orders/create', big);
    await check('main', 'POST', '/orders/create', 'x', form);
    await check('main', 'POST', '/orders/create', { book_id: 'b5', user_id: 'doc-user', quantity: 5 });
    await check('main', 'POST', '/orders/create', { book_id: 'b1', user_id: 'doc-user', quantity: 1.5 });
    await check('main', 'POST', '/orders/create', { book_id: 'gone', user_id: 'doc-user', quantity: 1 });
    await check('main', 'PUT', '/orders/update-status', { order_id: placed.id, status: 'processing' });
    await check('main', 'PUT', '/orders/update-status', { order_id: placed.id, status: 'expired' });
    await check('main', 'PUT', '/orders/update-status', { order_id: 'no-such-order', status: 'shipped' });
    await check('main', 'PUT', '/orders/update-status', { order_id: placed.id, status: '' });
    await check('main', 'PUT', '/orders/update-status', '{');
    await check('main', 'PUT', '/orders/update-status', big);
    await check('main', 'PUT', '/orders/update-status', 'x', form);
  });

  it('for the recovery route', async () => {
    await check('main', 'POST', '/orders/batch-process', { limit: 5 });
    await check('main', 'POST', '/orders/batch-process', {});
    await check('main', 'POST', '/orders/batch-process', { limit: 'all' });
    await check('main', 'POST', '/orders/batch-process', '{');
    await check('main', 'POST', '/orders/batch-process', big);
    await check('main', 'POST', '/orders/batch-process', 'x', form);
    await check('noRecovery', 'POST', '/orders/batch-process', { limit: 1 });
  });

  it('for Idempotency-Key on the placing routes', async () => {
    const key = (k: string) => ({ 'Idempotency-Key': k });
    const first = await check('main', 'POST', '/orders', { bookId: 'b2', userId: 'idem', quantity: 1 }, key('doc-k1'));
    const again = await check('main', 'POST', '/orders', { bookId: 'b2', userId: 'idem', quantity: 1 }, key('doc-k1'));
    expect([again.headers.get('idempotent-replayed'), again.body.id]).toEqual(['true', first.body.id]);
    expect((await check('main', 'POST', '/orders', { bookId: 'b2', userId: 'idem', quantity: 2 }, key('doc-k1'))).status).toBe(422);
    expect((await check('main', 'POST', '/orders/create', { book_id: 'b2', user_id: 'idem', quantity: 1 }, key('two words'))).status).toBe(400);
    const racing = await Promise.all([1, 2].map(() =>
      check('slow', 'POST', '/orders/create', { book_id: 'b2', user_id: 'idem', quantity: 1 }, key('doc-k2'))));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('with tokens configured, and with the storage backend down', async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['POST', '/orders', { bookId: 'b1', userId: 'u', quantity: 1 }], ['GET', '/orders/some-order'],
      ['GET', '/orders/user/u'], ['PUT', '/orders/some-order/status', { status: 'cancelled' }],
      ['POST', '/orders/create', { book_id: 'b1', user_id: 'u', quantity: 1 }],
      ['PUT', '/orders/update-status', { order_id: 'some-order', status: 'cancelled' }],
      ['POST', '/orders/batch-process', { limit: 1 }],
      ['GET', '/orders?status=confirmed'], ['GET', '/events'], ['GET', '/books'], ['GET', '/books/b1'],
      ['PUT', '/books/b1', { title: 'T', author: 'A', price: 1 }], ['GET', '/books/b1/stock-adjustments'],
      ['POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' }],
    ];
    for (const [method, path, body] of calls) {
      expect((await check('auth', method, path, body)).status).toBe(401);
      expect((await check('broken', method, path, body)).status).toBe(503);
    }
    expect((await check('auth', 'GET', '/health/ready')).status).toBe(200);
  });

  it('for the fulfilment queue and the event feed', async () => {
    await check('main', 'POST', '/orders', { bookId: 'b1', userId: 'feed', quantity: 1 });
    await check('main', 'POST', '/orders', { bookId: 'b1', userId: 'feed', quantity: 1 });
    expect((await check('main', 'GET', '/orders?status=confirmed&limit=1')).status).toBe(200);
    expect((await check('main', 'GET', '/orders?status=lost')).status).toBe(400);
    const first = await check('main', 'GET', '/events?limit=1');
    expect(first.status).toBe(200);
    expect((await check('main', 'GET', '/events?limit=0')).status).toBe(400);
    await services.main!.backend.events.purge(new Date(Date.now() + 60_000), false);
    expect((await check('main', 'GET', `/events?after=${first.body.nextCursor}`)).status).toBe(410);
    expect((await check('main', 'GET', '/asyncapi.json')).status).toBe(200);
  });

  it('for the books and stock routes', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const user = { authorization: `Bearer ${TOKEN}` };
    expect((await check('main', 'GET', '/books?limit=2')).status).toBe(200);
    expect((await check('main', 'GET', '/books?limit=0')).status).toBe(400);
    expect((await check('main', 'GET', '/books/b1')).status).toBe(200);
    expect((await check('main', 'GET', '/books/ghost')).status).toBe(404);
    expect((await check('main', 'PUT', '/books/doc-new', { title: 'T', author: 'A', price: 1.5, stock: 2 })).status).toBe(201);
    expect((await check('main', 'PUT', '/books/doc-new', { title: 'T2', author: 'A', price: 1.5 }, { 'If-Match': '"1"' })).status).toBe(200);
    expect((await check('main', 'PUT', '/books/doc-new', { title: 'T3', author: 'A', price: 1.5 }, { 'If-Match': '"1"' })).status).toBe(412);
    expect((await check('main', 'PUT', '/books/doc-new', { title: 'T3', author: 'A', price: 1.5, stock: 9 })).status).toBe(409);
    expect((await check('main', 'PUT', '/books/doc-new', { title: 'T3', author: 'A', price: -1 })).status).toBe(422);
    expect((await check('main', 'PUT', '/books/doc-new', '{')).status).toBe(400);
    expect((await check('main', 'PUT', '/books/doc-new', big)).status).toBe(413);
    expect((await check('main', 'PUT', '/books/doc-new', 'x', form)).status).toBe(415);
    expect((await check('admin', 'PUT', '/books/doc-new', { title: 'T', author: 'A', price: 1 }, user)).status).toBe(403);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', { delta: 3, reason: 'restock' })).status).toBe(201);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', { delta: -30, reason: 'lost' })).status).toBe(409);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', { delta: 0, reason: 'restock' })).status).toBe(422);
    expect((await check('main', 'POST', '/books/ghost/stock-adjustments', { delta: 1, reason: 'restock' })).status).toBe(404);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', '{')).status).toBe(400);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', big)).status).toBe(413);
    expect((await check('main', 'POST', '/books/doc-new/stock-adjustments', 'x', form)).status).toBe(415);
    expect((await check('admin', 'POST', '/books/doc-new/stock-adjustments', { delta: 1, reason: 'restock' }, user)).status).toBe(403);
    expect((await check('admin', 'POST', '/books/b1/stock-adjustments', { delta: 1, reason: 'restock' }, admin)).status).toBe(201);
    expect((await check('main', 'GET', '/books/doc-new/stock-adjustments?limit=1')).status).toBe(200);
    expect((await check('main', 'GET', '/books/doc-new/stock-adjustments?limit=0')).status).toBe(400);
    expect((await check('main', 'GET', '/books/ghost/stock-adjustments')).status).toBe(404);
  });

  it('for the health, metrics and document routes', async () => {
    const docs = ['/docs', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/index.css', '/docs/docs.js?v=1',
      '/docs/favicon-32x32.png'];
    for (const path of ['/health', '/health/live', '/health/startup', '/health/ready', '/metrics', '/openapi.json', ...docs]) {
      expect((await check('main', 'GET', path)).status).toBe(200);
    }
    expect((await check('broken', 'GET', '/health/ready')).status).toBe(503);
    expect((await check('noMetrics', 'GET', '/metrics')).status).toBe(404);
    expect((await check('closedMetrics', 'GET', '/metrics')).status).toBe(401);
    expect((await check('main', 'GET', '/docs/swagger-ui.js.map')).status).toBe(404);
  });

  it('for an unknown path and a wrong method, as the document describes', async () => {
    const unknown = await request(services.main!.url, 'GET', '/no/such/path');
    expect([unknown.status, valid(validatorAt(['components', 'schemas', 'NotFoundProblem']), unknown.body)]).toEqual([404, 'valid']);
    const wrong = await request(services.main!.url, 'DELETE', '/orders/some-order');
    expect([wrong.status, wrong.body.type, valid(validatorAt(['components', 'schemas', 'Problem']), wrong.body)])
      .toEqual([405, '/problems/method-not-allowed', 'valid']);
  });

  it('every documented answer was seen, but for the ones no request can provoke', () => {
    const documented = Object.values(doc.paths).flatMap((item: any) => METHODS.filter((m) => item[m])
      .flatMap((m) => Object.keys(item[m].responses).map((status) => `${item[m].operationId} ${status}`)));
    expect(documented.filter((answer) => !UNPROVOKABLE.test(answer) && !exercised.has(answer))).toEqual([]);
  });
});

describe('request schemas', () => {
  const at = (path: string, method: string) => validatorAt(['paths', path, method, 'requestBody', 'content', 'application/json', 'schema']);
  it.each([
    [{ bookId: 'b1', userId: 'u', quantity: 1 }],
    [{ bookId: 'b1', userId: 'u', quantity: 1000, extra: 'ignored' }],
    [{ bookId: 'x'.repeat(128), userId: ' padded ', quantity: 1 }],
    [{ bookId: 'b1', userId: 'u', quantity: 0 }],
    [{ bookId: 'b1', userId: 'u', quantity: 1001 }],
    [{ bookId: 'b1', userId: 'u', quantity: 2.5 }],
    [{ bookId: 'b1', userId: 'u', quantity: '1' }],
    [{ bookId: '', userId: 'u', quantity: 1 }],
    [{ bookId: '   ', userId: 'u', quantity: 1 }],
    [{ bookId: 'b\u0001', userId: 'u', quantity: 1 }],
    [{ bookId: 'x'.repeat(129), userId: 'u', quantity: 1 }],
    [{ bookId: 'b1', quantity: 1 }],
    [[]],
  ])('accept exactly what the service accepts: %j', async (body) => {
    const answered = await request(services.main!.url, 'POST', '/orders', body);
    const refusedAsInvalid = answered.status === 422 && answered.body.type === '/problems/validation-error';
    expect([answered.status, at('/orders', 'post')(body)]).toEqual([answered.status, !refusedAsInvalid]);
  });

  it.each([['shipped'], ['banana'], [''], [7]])('agree with the service on a status of %j', async (status) => {
    const answered = await request(services.main!.url, 'PUT', '/orders/no-such-order/status', { status });
    expect([answered.status, at('/orders/{id}/status', 'put')({ status })]).toEqual([answered.status, answered.status !== 422]);
  });
});
