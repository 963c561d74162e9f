import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { toDecimal } from '../../src/domain/money.js';
import type { SeedBook } from '../../src/adapters/outbound/catalog/catalog-seeder.js';
import { decodeStatus, fromWireOrder } from '../../src/adapters/outbound/storage-service/storage-order-record.js';
import {
  openStorageServiceBackend,
  type StorageServiceOptions,
} from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService, type JsonResponse } from '../support/test-service.js';

/** Client settings small enough for tests: short timeouts and cooldowns, quick retries, no grace for doubts. */
export const testClientOptions = (baseUrl: string, overrides: Partial<StorageServiceOptions> = {}): StorageServiceOptions => ({
  baseUrl,
  timeoutMs: 300,
  maxConcurrency: 4,
  queueLimit: 500,
  breakerCooldownMs: 150,
  breakerThreshold: 5,
  readRetries: 2,
  retryBaseDelayMs: 5,
  // The fake applies nothing late once idle: an event in doubt may be settled from its record at once.
  intentGraceMs: 0,
  ...overrides,
});

export const addSeedBook = (fake: FakeStorageService, book: SeedBook): void =>
  fake.addBook({ id: book.id, title: book.title, author: book.author, price: toDecimal(book.price), quantity: book.stock });

export interface Stack {
  readonly fake: FakeStorageService;
  readonly service: RunningService;
  /** Stops the order service and the fake, and removes the outbox's data directory. */
  stop(): Promise<void>;
}

/** The DATA_DIR (the local outbox of events) of the service that runs over each fake: a restart finds it again. */
const dataDirs = new WeakMap<FakeStorageService, ReturnType<typeof tempDir>>();
export function dataDirOf(fake: FakeStorageService): string {
  let dir = dataDirs.get(fake);
  if (!dir) dataDirs.set(fake, (dir = tempDir('order-outbox-')));
  return dir.path;
}

/**
 * The real order service on an ephemeral port, over the storage-service adapter, over a fake storage service:
 * a fresh one, or `fake` as another process would find it (with the DATA_DIR the one before had).
 */
export async function startStack(
  options: Partial<StorageServiceOptions> = {},
  fake?: FakeStorageService,
): Promise<Stack> {
  const storage = fake ?? (await FakeStorageService.start());
  const dataDir = dataDirOf(storage);
  const backend = openStorageServiceBackend(testClientOptions(storage.url, { dataDir, ...options }));
  const service = await startTestService({ STORAGE_BACKEND: 'storage-service', STORAGE_SERVICE_URL: storage.url, DATA_DIR: dataDir }, { backend });
  return {
    fake: storage,
    service,
    stop: async () => {
      await service.stop();
      await storage.close();
      dataDirs.get(storage)?.remove();
      dataDirs.delete(storage);
    },
  };
}

/** How many events still wait, in the outbox under DATA_DIR (the fake's), for their write's outcome to be known. */
export function intentsLeft(where: FakeStorageService | string): number {
  const dataDir = typeof where === 'string' ? where : dataDirOf(where);
  const db = new Database(join(dataDir, 'storage-service-outbox.sqlite3'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM event_intents').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface FeedEvent {
  id: string; type: string; subject: string; orderversion: number;
  data: { previousStatus: string | null; order: { id: string; status: string; version: number } };
}

/** Every event GET /events serves, paged from the start. */
export async function feedEvents(url: string): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await request(url, 'GET', `/events?limit=500${cursor ? `&after=${cursor}` : ''}`);
    if (page.status !== 200) throw new Error(`GET /events answered ${page.status}`);
    if (page.body.events.length === 0) return events;
    events.push(...page.body.events);
    cursor = page.body.nextCursor;
  }
}

/**
 * The event log holds an event if and only if the storage service holds that change: per order, the events chain
 * (previousStatus, rising orderversion) from its first announced status to the status its record holds now, with
 * the version that status reads as; none for an order still pending, none for an order the storage never got.
 */
export async function expectEventsMatchStorage(stack: { readonly fake: FakeStorageService; readonly service: { readonly url: string } }): Promise<void> {
  const events = await feedEvents(stack.service.url);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  const chains = new Map<string, FeedEvent[]>();
  for (const event of events) chains.set(event.subject, [...(chains.get(event.subject) ?? []), event]);
  const seen = [...stack.fake.orders.values()].map((wire) => {
    const stored = fromWireOrder(wire);
    if (E.isLeft(stored)) throw new Error(`order ${wire.id} cannot be read: ${stored.left}`);
    const { status, version } = stored.right.order;
    const chain = chains.get(wire.id) ?? [];
    chains.delete(wire.id);
    chain.forEach((event, i) => {
      expect(event).toMatchObject({ id: `${wire.id}.${event.orderversion}`, type: `com.avakart.order.${event.data.order.status}` });
      expect(event.data.previousStatus).toBe(i === 0 ? null : chain[i - 1]!.data.order.status);
      if (i > 0) expect(event.orderversion).toBeGreaterThan(chain[i - 1]!.orderversion);
    });
    const last = chain[chain.length - 1];
    return { id: wire.id, holds: status === 'pending' ? null : { status, version }, announced: last ? { status: last.data.order.status, version: last.orderversion } : null };
  });
  expect(seen.filter((o) => JSON.stringify(o.holds) !== JSON.stringify(o.announced))).toEqual([]);
  expect([...chains.keys()]).toEqual([]); // no event of an order the storage service does not hold
}

/**
 * The stock invariant, read from the fake alone: for each book, the stock it started with minus its stock now
 * equals the quantities of the orders whose record says they hold stock. Throws on a record still in doubt.
 */
export function unitsHeld(fake: FakeStorageService, bookId: string): number {
  let held = 0;
  for (const order of fake.orders.values()) {
    if (order.book_id !== bookId) continue;
    const decoded = decodeStatus(order.status);
    if (decoded._tag === 'Left') throw new Error(`order ${order.id} has status ${order.status}`);
    const { hold } = decoded.right;
    if (hold.kind === 'taking' || hold.kind === 'returning') throw new Error(`order ${order.id} is still in doubt: ${order.status}`);
    if (hold.kind === 'held') held += order.quantity;
  }
  return held;
}

/** Orders that say they are confirmed (or further on) while holding no stock: must never exist. */
export const confirmedWithoutStock = (fake: FakeStorageService): string[] =>
  [...fake.orders.values()]
    .filter((o) => {
      const decoded = decodeStatus(o.status);
      return decoded._tag === 'Right' && ['confirmed', 'processing', 'shipped', 'delivered'].includes(decoded.right.status)
        && decoded.right.hold.kind !== 'held';
    })
    .map((o) => o.id);

export const placeOrder = (stack: Pick<Stack, 'service'>, userId = 'buyer', bookId = 'b1', quantity = 1): Promise<JsonResponse> =>
  request(stack.service.url, 'POST', '/orders/create', { book_id: bookId, user_id: userId, quantity });

/** Places an order like a client honouring 503 + Retry-After would, for up to `withinMs`. */
export async function placeOrderEventually(stack: Pick<Stack, 'service'>, userId = 'later', bookId = 'b1', withinMs = 3000): Promise<JsonResponse> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await placeOrder(stack, userId, bookId);
    if (answer.status !== 503 || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A 503 as the HTTP adapter answers dependency failures: problem+json with Retry-After. */
export function expectServiceUnavailable(answer: JsonResponse): void {
  expect({ status: answer.status, type: answer.body?.type, retryAfter: Number(answer.headers.get('retry-after')) >= 1 })
    .toEqual({ status: 503, type: '/problems/dependency-unavailable', retryAfter: true });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}
