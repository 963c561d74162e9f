import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { MAIN, spawnService, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp-dir.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const RECORDER = resolve(dirname(fileURLToPath(import.meta.url)), '../support/module-recorder.mjs');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A proxy in front of the fake storage service that keeps the headers of every request it forwards. */
async function recordingProxy(target: string): Promise<{ url: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    const forward = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

interface Setup {
  readonly env: Record<string, string>;
  /** A span the create must have below its server span, from the store. */
  readonly storeSpan?: (span: ReceivedSpan) => boolean;
  readonly close: () => Promise<void>;
  readonly propagated?: () => IncomingHttpHeaders[];
}

const setups: Record<string, () => Promise<Setup>> = {
  memory: async () => ({ env: { STORAGE_BACKEND: 'memory' }, close: async () => {} }),
  embedded: async () => {
    const dir = tempDir();
    return {
      env: { STORAGE_BACKEND: 'embedded', DATA_DIR: dir.path },
      storeSpan: (span) => span.attributes['db.system.name'] === 'sqlite',
      close: async () => dir.remove(),
    };
  },
  postgres: async () => {
    const db: TestDatabase = await createTestDatabase();
    return {
      env: { STORAGE_BACKEND: 'postgres', DATABASE_URL: db.url },
      storeSpan: (span) => span.attributes['db.system.name'] === 'postgresql',
      close: () => db.drop(),
    };
  },
  'storage-service': async () => {
    const fake = await FakeStorageService.start();
    fake.addBook({ id: 'b1', price: 39.99, quantity: 100 });
    const proxy = await recordingProxy(fake.url);
    const dir = tempDir();
    return {
      env: { STORAGE_BACKEND: 'storage-service', STORAGE_SERVICE_URL: proxy.url, DATA_DIR: dir.path },
      storeSpan: (span) => span.kind === 3 && String(span.attributes['url.full'] ?? '').startsWith(proxy.url),
      propagated: () => proxy.headers,
      close: async () => {
        await proxy.close();
        await fake.close();
        dir.remove();
      },
    };
  },
};

describe('OpenTelemetry tracing', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver.close());

  describe.each(Object.keys(setups))('on the %s backend', (name) => {
    let setup: Setup;
    let service: ServiceProcess;
    beforeAll(async () => {
      setup = await setups[name]!();
      service = await spawnService({
        ...setup.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: `order-service-${name}`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      });
    });
    afterAll(async () => {
      service.child.kill('SIGTERM');
      await service.exited;
      await setup.close();
    });

    it('continues the caller trace: a server span per request named by route, with the store below it', async () => {
      const traceId = hex(16);
      const parentId = hex(8);
      const placed = await fetch(`${service.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
        body: JSON.stringify({ bookId: 'b1', userId: 'traced', quantity: 1 }),
      });
      expect(placed.status).toBe(201);
      const server = await receiver.waitFor((span) => span.traceId === traceId && span.name === 'POST /orders');
      expect(server).toMatchObject({ parentSpanId: parentId, kind: 2, service: `order-service-${name}` });
      expect(server.attributes).toMatchObject({ 'http.route': '/orders', 'http.response.status_code': 201 });
      const order = (await placed.json()) as { id: string };
      await fetch(`${service.url}/orders/${order.id}`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
      await receiver.waitFor((span) => span.traceId === traceId && span.name === 'GET /orders/:id');
      if (setup.storeSpan) {
        const stored = await receiver.waitFor((span) => span.traceId === traceId && setup.storeSpan!(span));
        // Below the server span of one of the two requests, however deep.
        const byId = new Map(receiver.spans.map((span) => [span.spanId, span]));
        let up: ReceivedSpan | undefined = stored;
        while (up && up.kind !== 2) up = up.parentSpanId ? byId.get(up.parentSpanId) : undefined;
        expect(up?.name).toMatch(/^(POST \/orders|GET \/orders\/:id)$/);
      }
      if (setup.propagated) {
        const carried = setup.propagated().map((headers) => String(headers.traceparent ?? ''));
        expect(carried.some((header) => header.startsWith(`00-${traceId}-`))).toBe(true);
      }
      // Every log line of the traced request carries its trace.
      await new Promise((done) => setTimeout(done, 1_200));
      const lines = service.output().split('\n').filter((line) => line.includes('"msg":"request"') && line.includes('/orders'));
      expect(lines.some((line) => line.includes(`"traceId":"${traceId}"`))).toBe(true);
    });
  });

  it('loads no module of OpenTelemetry when no endpoint is configured', async () => {
    const service = await spawnService({ STORAGE_BACKEND: 'memory', MODULE_RECORDER_ENTRY: MAIN }, 15_000, RECORDER);
    try {
      expect((await fetch(`${service.url}/orders`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bookId: 'b1', userId: 'u', quantity: 1 }),
      })).status).toBe(201);
      service.child.kill('SIGUSR2');
      const deadline = Date.now() + 5_000;
      while (!service.output().includes('"msg":"modules"') && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
      const line = service.output().split('\n').find((l) => l.includes('"msg":"modules"'))!;
      const urls = (JSON.parse(line) as { urls: string[] }).urls;
      expect(urls.some((url) => url.includes('/dist/infrastructure/server.js'))).toBe(true);
      expect(urls.filter((url) => url.includes('@opentelemetry'))).toEqual([]);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
