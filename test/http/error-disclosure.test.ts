import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { request, startTestService } from '../support/test-service.js';

const SECRET_DETAIL = /SELECT|10\.0\.0\.5|at \w+ \(|\.ts:\d+|password/i;

describe('error answers disclose nothing internal', () => {
  let service: RunningService;
  let fail: () => Error;
  beforeAll(async () => {
    const backend = openMemoryBackend();
    await backend.catalog!.seed([]);
    service = await startTestService({}, {
      backend: {
        ...backend,
        orders: { ...backend.orders, findById: async () => { throw fail(); } },
      },
    });
  });
  afterAll(() => service.stop());

  it.each([
    ['a bug', () => new Error('SELECT * FROM orders WHERE password = 1 -- at 10.0.0.5:5432')],
    ['a dependency failure', () => new DependencyFailure('database', 'connect ECONNREFUSED 10.0.0.5:5432 SELECT 1')],
  ])('%s: no stack trace, SQL or address in the body', async (_, make) => {
    fail = make;
    const answer = await request(service.url, 'GET', '/orders/some-id');
    expect([500, 503]).toContain(answer.status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.text).not.toMatch(SECRET_DETAIL);
    expect(answer.body.detail).toEqual(expect.any(String));
  });
});
