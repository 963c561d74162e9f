import { DependencyFailure } from '../application/dependency-failure.js';
import type { IdempotencyStore } from '../application/ports/idempotency-store.port.js';
import type { OrderUseCases } from '../adapters/inbound/http/http-context.js';

type UseCase = { execute(...args: never[]): Promise<unknown> };

/**
 * Counts the work that needs the store, from its start until its promise settles, so a stop can close the store
 * once none is left. Use cases are counted rather than requests: a client that disconnects ends its request, not
 * the use case it started.
 */
export interface InFlightWork {
  /** The same use cases, counted; once draining has begun a new one is refused with a 503 that applied nothing. */
  useCases(useCases: OrderUseCases): OrderUseCases;
  /** The same store, counted: recording an Idempotency-Key's outcome is the last step of the use case it follows. */
  idempotencyStore(store: IdempotencyStore): IdempotencyStore;
  running(): number;
  /** Refuses new use cases and resolves once nothing counted is running (true) or at the deadline (false). */
  drain(timeoutMs: number): Promise<boolean>;
}

export function inFlightWork(): InFlightWork {
  let running = 0;
  let draining = false;
  const stopping = new AbortController();
  const waiting: Array<() => void> = [];
  const wakeIfIdle = () => {
    if (running === 0) for (const wake of waiting.splice(0)) wake();
  };
  const settled = () => {
    running -= 1;
    // What follows a use case (the Idempotency-Key record) starts a few promise reactions after it settles, all
    // before the next macrotask: look again then, not now.
    if (running === 0 && waiting.length) setImmediate(wakeIfIdle);
  };
  const counted = <R>(run: () => Promise<R>): Promise<R> => {
    running += 1;
    let outcome: Promise<R>;
    try {
      outcome = run();
    } catch (error) {
      settled();
      throw error;
    }
    // A branch of its own, handled: the caller still gets the original promise, rejection and all.
    outcome.then(settled, settled);
    return outcome;
  };

  const tracked = <U extends UseCase>(useCase: U): U => {
    const execute = useCase.execute.bind(useCase) as (...args: unknown[]) => Promise<unknown>;
    return Object.assign(Object.create(useCase) as U, {
      execute: (...args: unknown[]) =>
        draining
          ? Promise.reject(new DependencyFailure('order service', 'the service is shutting down', { retryAfterSeconds: 1 }))
          : counted(() => execute(...args)),
    });
  };

  return {
    useCases: ({ placeOrder, getOrder, listUserOrders, listOrderQueue, changeOrderStatus, readEvents, settleOrders, books }) => ({
      placeOrder: tracked(placeOrder),
      getOrder: tracked(getOrder),
      listUserOrders: tracked(listUserOrders),
      listOrderQueue: tracked(listOrderQueue),
      changeOrderStatus: tracked(changeOrderStatus),
      // A long-poll ends when the stop begins: it answers what it has instead of holding the stop up.
      readEvents: tracked(Object.assign(Object.create(readEvents) as typeof readEvents, {
        execute: (query: Parameters<typeof readEvents.execute>[0]) => readEvents.execute({
          ...query,
          signal: query.signal ? AbortSignal.any([query.signal, stopping.signal]) : stopping.signal,
        }),
      })),
      ...(settleOrders ? { settleOrders: tracked(settleOrders) } : {}),
      ...(books
        ? {
          books: {
            listBooks: tracked(books.listBooks),
            getBook: tracked(books.getBook),
            putBook: tracked(books.putBook),
            adjustStock: tracked(books.adjustStock),
            listStockAdjustments: tracked(books.listStockAdjustments),
          },
        }
        : {}),
    }),
    idempotencyStore: (store) => ({
      claim: (request) => counted(() => store.claim(request)),
      complete: (key, response, now) => counted(() => store.complete(key, response, now)),
      release: (key) => counted(() => store.release(key)),
      purge: (before) => counted(() => store.purge(before)),
    }),
    running: () => running,
    drain: (timeoutMs) => {
      draining = true;
      stopping.abort();
      return new Promise((resolve) => {
        const deadline = setTimeout(() => resolve(running === 0), timeoutMs);
        waiting.push(() => {
          clearTimeout(deadline);
          resolve(true);
        });
        setImmediate(wakeIfIdle);
      });
    },
  };
}
