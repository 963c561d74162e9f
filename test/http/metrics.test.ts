import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import { decodeConfig } from '../../src/infrastructure/config.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { sample } from '../support/prometheus.js';
import { request, startTestService } from '../support/test-service.js';


const scrape = async (service: RunningService) => {
  const response = await request(service.url, 'GET', '/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text;
};

describe('GET /metrics', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request(service.url, method, path, body, headers);

  it('counts requests by route template and status, never by raw path', async () => {
    await call('GET', '/orders/secret-order-1');
    await call('GET', '/orders/secret-order-2');
    await call('GET', '/no/such/secret-path');
    await call('DELETE', '/orders/secret-order-3');
    const text = await scrape(service);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/orders/:id', status: '404' })).toBe(2);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'DELETE', route: '/orders/:id', status: '405' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/orders/:id', status: '404' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_bucket', { route: '/orders/:id', status: '404', le: '+Inf' })).toBe(2);
    expect(text).not.toContain('secret');
  });

  it('puts any method outside the standard ones under one label', async () => {
    await call('PURGE', '/orders/x');
    expect(sample(await scrape(service), 'http_requests_total', { method: 'OTHER', route: '/orders/:id' })).toBe(1);
  });

  it('counts orders placed and refused by problem type, on both placing routes', async () => {
    await call('POST', '/orders', { bookId: 'b1', userId: 'metrics-user', quantity: 1 });
    await call('POST', '/orders/create', { book_id: 'b1', user_id: 'metrics-user', quantity: 1 });
    await call('POST', '/orders', { bookId: 'no-such-book', userId: 'metrics-user', quantity: 1 });
    await call('POST', '/orders/create', { book_id: 'b1', user_id: 'metrics-user', quantity: 0 });
    await call('POST', '/orders', { bookId: 'b1', userId: 'metrics-user', quantity: 1000 });
    await call('POST', '/orders', 'bookId=b1', { 'content-type': 'application/x-www-form-urlencoded' });
    const text = await scrape(service);
    expect(sample(text, 'orders_placed_total', { route: '/orders' })).toBe(1);
    expect(sample(text, 'orders_placed_total', { route: '/orders/create' })).toBe(1);
    expect(sample(text, 'orders_refused_total', { route: '/orders', reason: 'book-not-found' })).toBe(1);
    expect(sample(text, 'orders_refused_total', { route: '/orders/create', reason: 'validation-error' })).toBe(1);
    expect(sample(text, 'orders_refused_total', { route: '/orders', reason: 'insufficient-stock' })).toBe(1);
    expect(sample(text, 'orders_refused_total', { route: '/orders', reason: 'unsupported-media-type' })).toBe(1);
  });

  it('does not count the replayed answer to an Idempotency-Key as another order', async () => {
    const before = sample(await scrape(service), 'orders_placed_total', { route: '/orders' }) ?? 0;
    for (let i = 0; i < 3; i++) {
      await call('POST', '/orders', { bookId: 'b2', userId: 'metrics-user', quantity: 1 }, { 'Idempotency-Key': 'metrics-key' });
    }
    expect(sample(await scrape(service), 'orders_placed_total', { route: '/orders' })).toBe(before + 1);
  });

  it('times storage port calls by backend and operation', async () => {
    const text = await scrape(service);
    expect(sample(text, 'storage_operation_duration_seconds_count', { backend: 'memory', operation: 'inventory.findBook', outcome: 'success' }))
      .toBeGreaterThanOrEqual(2);
    expect(sample(text, 'storage_operation_duration_seconds_count', { backend: 'memory', operation: 'orders.place', outcome: 'success' }))
      .toBeGreaterThanOrEqual(2);
  });

  it('reports event-loop lag and process metrics', async () => {
    const text = await scrape(service);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe('storage failures', () => {
  it('count as failed storage operations and as refusals for dependency-unavailable', async () => {
    const memory = openMemoryBackend();
    const orders = new Proxy(memory.orders, {
      get: (target, property) => property === 'place'
        ? () => Promise.reject(new DependencyFailure('storage service', 'connection refused'))
        : Reflect.get(target, property, target),
    });
    const service = await startTestService({}, { backend: { ...memory, orders } });
    try {
      expect((await request(service.url, 'POST', '/orders', { bookId: 'b1', userId: 'u1', quantity: 1 })).status).toBe(503);
      const text = await scrape(service);
      expect(sample(text, 'storage_operation_duration_seconds_count', { operation: 'orders.place', outcome: 'failure' })).toBe(1);
      expect(sample(text, 'orders_refused_total', { route: '/orders', reason: 'dependency-unavailable' })).toBe(1);
    } finally {
      await service.stop();
    }
  });
});

describe('one registry per service', () => {
  it('keeps the counts of two services in one process apart', async () => {
    const [a, b] = await Promise.all([startTestService(), startTestService()]);
    try {
      await request(a.url, 'GET', '/health/live');
      await request(a.url, 'GET', '/health/live');
      await request(b.url, 'GET', '/health/live');
      expect(sample(await scrape(a), 'http_requests_total', { route: '/health/live' })).toBe(2);
      expect(sample(await scrape(b), 'http_requests_total', { route: '/health/live' })).toBe(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('METRICS_ENABLED', () => {
  it('=false takes the route away: 404 not-found', async () => {
    const service = await startTestService({ METRICS_ENABLED: 'false' });
    try {
      const response = await request(service.url, 'GET', '/metrics');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ type: '/problems/not-found' });
    } finally {
      await service.stop();
    }
  });

  it('defaults to true and refuses a value that is not a boolean', () => {
    const decoded = decodeConfig({});
    expect(E.isRight(decoded) && decoded.right.metricsEnabled).toBe(true);
    const refused = decodeConfig({ METRICS_ENABLED: 'maybe' });
    expect(E.isLeft(refused) && refused.left).toEqual(['METRICS_ENABLED: expected true or false, got "maybe"']);
  });
});
