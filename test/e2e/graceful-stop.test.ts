import { Agent, request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { aBook, bookId, userId } from '../support/order-mother.js';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

const BOOK = 'graceful-1';
const SEEDED = 30_000;
const USERS = Array.from({ length: 8 }, (_, i) => `graceful-u${i}`);
const LOAD_MS = 600;
const PROBE = 1000;
const PROBE_USER = 'graceful-probe';
const HOLDING = new Set(['confirmed', 'processing', 'shipped', 'delivered']);

interface Listed {
  readonly id: string;
  readonly status: string;
  readonly quantity: number;
  readonly bookId: string;
}

type Outcome = { readonly status: number; readonly id?: string } | 'aborted';

/**
 * POST /orders on a keep-alive agent. `sent` resolves once the request is on the wire; `abort` destroys it and its
 * socket, as a client that gives up.
 */
function placeOrder(url: string, agent: Agent, body: object) {
  const req = httpRequest(`${url}/orders`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } });
  const sent = new Promise<void>((resolve) => req.once('finish', resolve).once('error', resolve));
  const answered = new Promise<Outcome>((resolve) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, id: res.statusCode === 201 ? JSON.parse(text).id : undefined }));
      res.once('error', () => resolve('aborted'));
    });
    req.once('error', () => resolve('aborted'));
  });
  req.end(JSON.stringify(body));
  return { sent, answered, abort: () => req.destroy() };
}

async function ordersOf(url: string, user: string): Promise<Listed[]> {
  const found: Listed[] = [];
  let cursor: string | null = null;
  do {
    const page = await request(url, 'GET', `/orders/user/${user}?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    found.push(...(page.body.orders as Listed[]));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  return found;
}

describe('SIGTERM while clients abandon their order creations, on the embedded store', () => {
  const dir = tempDir();
  const seedFile = join(dir.path, 'catalog.json');
  const env = { DATA_DIR: join(dir.path, 'data'), INVENTORY_SEED_FILE: seedFile, STORAGE_BACKEND: 'embedded' };
  let running: ServiceProcess | undefined;

  beforeAll(() => writeFileSync(seedFile, JSON.stringify([{ id: BOOK, title: 'T', author: 'A', price: 7.5, quantity: SEEDED }])));
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
  });
  afterAll(() => dir.remove());

  it('exits 0 with no order left pending, and the stock taken is what the confirmed orders hold', async () => {
    running = await spawnService(env);
    const service = running;
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    // 64 clients on kept-alive connections, each placing one order after another: however the stop falls, use
    // cases are in flight at every step of placing an order.
    let stopping = false;
    const inFlight = new Set<ReturnType<typeof placeOrder>>();
    const outcomes: Outcome[] = [];
    const clients = Array.from({ length: 64 }, async (_, i) => {
      for (let n = 0; !stopping; n += 1) {
        const placed = placeOrder(service.url, agent, { bookId: BOOK, userId: USERS[i % USERS.length], quantity: 1 + ((i + n) % 3) });
        inFlight.add(placed);
        outcomes.push(await placed.answered);
        inFlight.delete(placed);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    // The clients give up on what they are waiting for, and the service is told to stop at the same moment.
    stopping = true;
    const abandoned = inFlight.size;
    for (const placed of inFlight) placed.abort();
    service.child.kill('SIGTERM');
    await Promise.all(clients);
    agent.destroy();

    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('order service stopped');
    expect(service.output()).not.toContain('closing the store under running use cases');
    expect(abandoned).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o !== 'aborted' && o.status !== 201)).toEqual([]);

    running = await spawnService(env);
    const orders = (await Promise.all(USERS.map((user) => ordersOf(running!.url, user)))).flat();
    expect(orders.filter((o) => o.status === 'pending')).toEqual([]);
    // Every order answered 201 before the stop is there, confirmed.
    const confirmed = new Set(orders.filter((o) => o.status === 'confirmed').map((o) => o.id));
    const acknowledged = outcomes.flatMap((o) => (o !== 'aborted' && o.status === 201 ? [o.id] : []));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((id) => !confirmed.has(id!))).toEqual([]);

    expect(SEEDED - (await stockLeft(running.url))).toBe(
      orders.filter((o) => HOLDING.has(o.status)).reduce((sum, o) => sum + o.quantity, 0) + PROBE * probesPlaced);
  });
});

/**
 * What is left of the book. Only a refusal says, and only for an order larger than the stock: orders of PROBE
 * copies are placed (to PROBE_USER, counted in `probesPlaced`) until one is refused.
 */
let probesPlaced = 0;
async function stockLeft(url: string): Promise<number> {
  for (;;) {
    const probe = await request(url, 'POST', '/orders', { bookId: BOOK, userId: PROBE_USER, quantity: PROBE });
    if (probe.status !== 201) {
      expect(probe.body).toMatchObject({ type: '/problems/insufficient-stock' });
      return probe.body.available as number;
    }
    probesPlaced += 1;
  }
}

/** Writes of the order repository resolve `delayMs` after the store has made them; reads are as they were. */
function slowWrites(backend: StorageBackend, delayMs: number) {
  const events: string[] = [];
  let started!: () => void;
  const writeStarted = new Promise<void>((resolve) => (started = resolve));
  const reads = new Set<string | symbol>(['findById', 'listByUser']);
  const orders = new Proxy(backend.orders, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== 'function' || reads.has(name)) return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        started();
        const outcome: unknown = await value.apply(target, args);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        events.push(`${String(name)} done`);
        return outcome;
      };
    },
  });
  const slow: StorageBackend = {
    ...backend,
    orders,
    close: async () => {
      events.push('store closed');
      await backend.close();
    },
  };
  return { backend: slow, events, writeStarted };
}

/** A client that places an order and goes away once the store has started writing it. */
async function placeAndGo(url: string, user: string, quantity: number, writeStarted: Promise<unknown>): Promise<unknown> {
  const client = new AbortController();
  const answer = fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bookId: BOOK, userId: user, quantity }),
    signal: client.signal,
  }).catch(() => 'aborted');
  await writeStarted;
  client.abort();
  return answer;
}

describe('stop() in the process', () => {
  async function seededMemory(): Promise<StorageBackend> {
    const backend = openMemoryBackend();
    await backend.catalog!.seed([aBook({ id: bookId(BOOK), stock: 10 })]);
    return backend;
  }

  it('waits for a use case whose client went away before it closes the store', async () => {
    const slow = slowWrites(await seededMemory(), 300);
    const service = await startTestService({ SHUTDOWN_TIMEOUT_MS: '5000' }, { backend: slow.backend });
    expect(await placeAndGo(service.url, 'slow-user', 2, slow.writeStarted)).toBe('aborted');

    const stopping = Date.now();
    await service.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(250);
    expect(slow.events.at(-1)).toBe('store closed');
    expect(slow.events.filter((e) => e.endsWith('done')).length).toBeGreaterThan(0);
    const [order] = await slow.backend.orders.listByUser(userId('slow-user'), 10);
    expect(order?.status).toBe('confirmed');
  });

  it('closes the store at the shutdown timeout even if a use case is still running', async () => {
    const slow = slowWrites(await seededMemory(), 1_000);
    const service = await startTestService({ SHUTDOWN_TIMEOUT_MS: '100' }, { backend: slow.backend });
    await placeAndGo(service.url, 'late-user', 1, slow.writeStarted);

    const stopping = Date.now();
    await service.stop();
    expect(Date.now() - stopping).toBeLessThan(900);
    expect(slow.events).toEqual(['store closed']);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // let the write finish before the test ends
  });
});
