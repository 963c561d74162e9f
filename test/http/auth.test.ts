import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/infrastructure/server.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

const TOKEN = 'books-service-token-0123456789';
const FILE_TOKEN = 'mounted-secret-token-abcdefghij';

describe('service-to-service authentication', () => {
  const dir = tempDir();
  let service: RunningService;
  beforeAll(async () => {
    const file = join(dir.path, 'tokens');
    writeFileSync(file, `${FILE_TOKEN}\n`);
    service = await startTestService({ AUTH_TOKENS: TOKEN, AUTH_TOKENS_FILE: file });
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('accepts a configured token, from the variable or from the file', async () => {
    for (const token of [TOKEN, FILE_TOKEN]) {
      const placed = await request(service.url, 'POST', '/orders/create', { book_id: 'b1', user_id: 'u', quantity: 1 }, bearer(token));
      expect(placed.status).toBe(201);
    }
  });

  it.each([
    ['no header', {}],
    ['a wrong token', bearer('x'.repeat(30))],
    ['a prefix of the token', bearer(TOKEN.slice(0, -1))],
    ['another scheme', { Authorization: `Basic ${TOKEN}` }],
  ])('answers 401 problem for %s on every orders route, changing nothing', async (_, headers) => {
    for (const [method, path, body] of [
      ['POST', '/orders', { bookId: 'b1', userId: 'intruder', quantity: 1 }],
      ['GET', '/orders/user/intruder', undefined],
      ['GET', '/ORDERS/user/intruder', undefined],
      ['PUT', '/orders/update-status', { order_id: 'x', status: 'cancelled' }],
    ] as const) {
      const response = await request(service.url, method, path, body, headers as Record<string, string>);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.body.type).toBe('/problems/unauthorized');
    }
    const listed = await request(service.url, 'GET', '/orders/user/intruder', undefined, bearer(TOKEN));
    expect(listed.body.orders).toEqual([]);
  });

  it('leaves the health routes, the API document and (by default) /metrics open', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/health/startup', '/openapi.json', '/metrics']) {
      expect((await request(service.url, 'GET', path)).status).toBe(200);
    }
  });

  it('closes /metrics too with METRICS_REQUIRE_AUTH=true', async () => {
    const strict = await startTestService({ AUTH_TOKENS: TOKEN, METRICS_REQUIRE_AUTH: 'true' });
    try {
      expect((await request(strict.url, 'GET', '/metrics')).status).toBe(401);
      expect((await request(strict.url, 'GET', '/metrics', undefined, bearer(TOKEN))).status).toBe(200);
      expect((await request(strict.url, 'GET', '/health/ready')).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
