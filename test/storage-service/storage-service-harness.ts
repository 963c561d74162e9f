import { toDecimal } from '../../src/domain/money.js';
import type { SeedBook } from '../../src/adapters/outbound/catalog/catalog-seeder.js';
import { decodeStatus } from '../../src/adapters/outbound/storage-service/storage-order-record.js';
import {
  openStorageServiceBackend,
  type StorageServiceOptions,
} from '../../src/adapters/outbound/storage-service/storage-service.backend.js';
import type { RunningService } from '../../src/infrastructure/server.js';
import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { request, startTestService, type JsonResponse } from '../support/test-service.js';

/** Client settings small enough for tests: short timeouts and cooldowns, quick retries. */
export const testClientOptions = (baseUrl: string, overrides: Partial<StorageServiceOptions> = {}): StorageServiceOptions => ({
  baseUrl,
  timeoutMs: 300,
  maxConcurrency: 4,
  queueLimit: 500,
  breakerCooldownMs: 150,
  breakerThreshold: 5,
  readRetries: 2,
  retryBaseDelayMs: 5,
  ...overrides,
});

export const addSeedBook = (fake: FakeStorageService, book: SeedBook): void =>
  fake.addBook({ id: book.id, title: book.title, author: book.author, price: toDecimal(book.price), quantity: book.stock });

export interface Stack {
  readonly fake: FakeStorageService;
  readonly service: RunningService;
  /** Stops the order service and the fake. */
  stop(): Promise<void>;
}

/**
 * The real order service on an ephemeral port, over the storage-service adapter, over a fake storage service:
 * a fresh one, or `fake` as another process would find it.
 */
export async function startStack(
  options: Partial<StorageServiceOptions> = {},
  fake?: FakeStorageService,
): Promise<Stack> {
  const storage = fake ?? (await FakeStorageService.start());
  const backend = openStorageServiceBackend(testClientOptions(storage.url, options));
  const service = await startTestService({ STORAGE_BACKEND: 'storage-service', STORAGE_SERVICE_URL: storage.url }, { backend });
  return {
    fake: storage,
    service,
    stop: async () => {
      await service.stop();
      await storage.close();
    },
  };
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
