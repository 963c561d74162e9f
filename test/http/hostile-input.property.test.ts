import fc from 'fast-check';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { countingWrites } from '../support/write-counting-backend.js';
import { startTestService } from '../support/test-service.js';

/**
 * Arbitrary requests never get a 5xx, and a 4xx never changes state. Inputs mix plausible values (real book
 * ids, real statuses) with hostile ones so generated requests reach the deep paths, not just the decoder.
 */
let service: RunningService;
let writes: () => number;
let orderId: string;

beforeAll(async () => {
  const counted = countingWrites(openMemoryBackend());
  writes = counted.writes;
  service = await startTestService({}, { backend: counted.backend });
  const placed = await fetch(`${service.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bookId: 'b1', userId: 'fuzz', quantity: 1 }),
  });
  orderId = ((await placed.json()) as { id: string }).id;
});
afterAll(() => service.stop());

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('b1', 'b5', 'fuzz', '__proto__', 'constructor', 'prototype', '\u0000', 'x'.repeat(5000), '../../etc', '%00', 'b1&x=1'),
);
const hostileNumber = fc.oneof(
  fc.integer({ min: -5, max: 1005 }),
  fc.double(),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1, 1.5, Number.MAX_SAFE_INTEGER),
);
const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(hostileString, tie('tree'), { maxKeys: 4 })),
})).tree;
const deep = fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const protoBody = fc.constantFrom(
  '{"__proto__":{"quantity":1},"bookId":"b1","userId":"u"}',
  '{"constructor":{"prototype":{"isAdmin":true}},"bookId":"b1","userId":"u","quantity":1.0e400}',
);
const orderShaped = fc.record({
  bookId: fc.oneof(hostileString, leaf), userId: hostileString, quantity: fc.oneof(hostileNumber, leaf),
  title: hostileString, author: hostileString, price: fc.oneof(hostileNumber, leaf), stock: fc.oneof(hostileNumber, leaf),
  delta: fc.oneof(hostileNumber, leaf), reason: fc.oneof(fc.constantFrom('restock'), hostileString),
  book_id: hostileString, user_id: hostileString, status: fc.oneof(fc.constantFrom('delivered', 'pending', 'banana', ''), hostileString),
  order_id: fc.oneof(hostileString, fc.constant('ORDER')),
}, { requiredKeys: [] });
const body = fc.oneof(
  orderShaped.map((o) => JSON.stringify(o)),
  value.map((v) => JSON.stringify(v) ?? 'null'),
  deep,
  protoBody,
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const route = fc.constantFrom(
  ['POST', '/orders'], ['POST', '/orders/create'], ['PUT', '/orders/update-status'],
  ['PUT', '/orders/ORDER/status'], ['GET', '/orders/ORDER'], ['GET', '/orders/user/fuzz'],
  ['PUT', '/books/b1'], ['PUT', '/books/fuzz-new'], ['POST', '/books/b1/stock-adjustments'], ['POST', '/books/nope/stock-adjustments'],
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1',
  'text/plain', 'application/x-www-form-urlencoded', 'application/JSON', 'application/merge-patch+json');

async function send(method: string, path: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(service.url + path.replace('ORDER', orderId), { method, ...init });
  await response.arrayBuffer();
  return response.status;
}

async function expectSafe(send: () => Promise<number>): Promise<void> {
  const before = writes();
  const status = await send();
  expect(status).toBeLessThan(500);
  if (status >= 400) expect(writes()).toBe(before);
}

describe('hostile input', () => {
  it('arbitrary bodies on every route: no 5xx, and a 4xx writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(route, body, contentType, async ([method, path], payload, type) => {
        await expectSafe(() => send(method!, path!, method === 'GET' ? {} : { body: payload.replace('ORDER', orderId), headers: { 'content-type': type } }));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary paths, query strings and methods: no 5xx, and a 4xx writes nothing', async () => {
    const segment = fc.oneof(hostileString.map(encodeURIComponent), fc.constantFrom('%', '%zz', '%E0%A4%A', '..', 'orders', 'user', 'status', 'ORDER'));
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    const prefixed = fc.oneof(path, path.map((p) => `/orders${p}`), path.map((p) => `/orders/user${p}`), path.map((p) => `/books${p}`),
      fc.constantFrom('/events', '/orders', '/books', '/books/b1/stock-adjustments'));
    const query = fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'x', 'limit[]', 'after', 'status'), fc.oneof(hostileString, fc.nat().map(String), fc.constantFrom('0.01', 'MA', 'confirmed'))), { maxLength: 4 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : ''));
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
    await fc.assert(
      fc.asyncProperty(method, prefixed, query, async (m, p, q) => {
        await expectSafe(() => send(m, p + q, ['GET', 'HEAD', 'OPTIONS'].includes(m) ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary header values: no 5xx, and a 4xx writes nothing', async () => {
    const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(headerValue, headerValue, headerValue, async (requestId, ifMatch, accept) => {
        await expectSafe(() => send('PUT', '/orders/ORDER/status', {
          body: '{"status":"confirmed"}',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId, 'if-match': ifMatch, accept },
        }));
      }),
      { numRuns: 200 },
    );
  });
});
