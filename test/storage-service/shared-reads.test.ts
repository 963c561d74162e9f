import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { StorageServiceClient, type Interpret } from '../../src/adapters/outbound/storage-service/storage-service-client.js';

/**
 * A storage service that holds every answer until `releaseUntil`, and records what it received; each answer names
 * its request's arrival number.
 */
class HeldServer {
  readonly received: string[] = [];
  private held: Array<() => void> = [];
  private server!: Server;
  status = 200;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      // Numbered as it arrives: counted when answered, two requests that arrived before the first answer would share one.
      const arrival = this.received.push(`${req.method} ${req.url}`);
      req.resume();
      this.held.push(() => res.writeHead(this.status, { 'content-type': 'text/plain' }).end(`${req.url} #${arrival}`));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers what is held now; resolves once at least `count` requests were received and answered. */
  async releaseUntil(count: number): Promise<void> {
    const deadline = Date.now() + 3000;
    while (this.received.length < count || this.held.length > 0) {
      if (Date.now() > deadline) throw new Error(`received ${this.received.length} of ${count} requests`);
      const held = this.held.splice(0);
      held.forEach((answer) => answer());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const text = (tag: string): Interpret<string> => (status, body) => (status === 200 ? E.right(`${tag}: ${body}`) : E.left(`answered ${status}`));
const book = (id: string) => ({ method: 'GET' as const, path: '/internal/books/get', query: { id } });

describe('storage-service client: identical reads waiting for a slot', () => {
  let server: HeldServer;
  let client: StorageServiceClient;
  const start = async (maxConcurrency: number, more: Partial<ConstructorParameters<typeof StorageServiceClient>[0]> = {}) => {
    server = new HeldServer();
    client = new StorageServiceClient({ baseUrl: await server.start(), timeoutMs: 5000, maxConcurrency, queueLimit: 100,
      breakerCooldownMs: 60_000, readRetries: 0, ...more });
  };
  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('are sent once, after all of them arrived, and share the value the first one read from the answer', async () => {
    await start(1);
    const first = client.call({ method: 'PUT', path: '/internal/books/update-quantity', body: {} }, text('write'));
    const reads = ['a', 'b', 'c', 'd'].map((tag) => client.call(book('b1'), text(tag)));
    const other = client.call(book('b2'), text('other'));

    await server.releaseUntil(3);

    await expect(first).resolves.toMatch(/^write: /);
    const answers = await Promise.all(reads);
    expect(answers).toEqual(Array(4).fill('a: /internal/books/get?id=b1 #2'));
    await expect(other).resolves.toBe('other: /internal/books/get?id=b2 #3');
    expect(server.received).toEqual(['PUT /internal/books/update-quantity', 'GET /internal/books/get?id=b1', 'GET /internal/books/get?id=b2']);
  });

  it('do not join a read already sent: its answer may have been read before they arrived', async () => {
    await start(2);
    const sent = client.call(book('b1'), text('sent'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = client.call(book('b1'), text('later'));

    await server.releaseUntil(2);

    expect(await Promise.all([sent, later])).toEqual(['sent: /internal/books/get?id=b1 #1', 'later: /internal/books/get?id=b1 #2']);
    expect(server.received).toHaveLength(2);
  });

  it('count one bad answer once on the circuit breaker, however many callers shared it', async () => {
    // Two failures (the write's and the shared read's) stay below a threshold of 3; six would open the circuit.
    await start(1, { breakerThreshold: 3 });
    const first = client.call({ method: 'PUT', path: '/internal/books/update-quantity', body: {} }, text('write'));
    const shared = Array.from({ length: 5 }, () => client.call(book('b1'), text('shared')));
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.status = 503;
    const settled = Promise.allSettled([first, ...shared]);

    await server.releaseUntil(2);

    const outcomes = await settled;
    expect(outcomes.map((o) => o.status === 'rejected' && String(o.reason.message).endsWith('answered 503'))).toEqual(Array(6).fill(true));
    expect(server.received).toHaveLength(2);
    server.status = 200;
    const next = client.call(book('b2'), text('next'));
    await server.releaseUntil(3);
    await expect(next).resolves.toBe('next: /internal/books/get?id=b2 #3');
  });
});
