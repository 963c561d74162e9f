import * as E from 'fp-ts/lib/Either.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';

/** Wraps a backend and counts the writes that changed something: what a 4xx answer must never cause. */
export function countingWrites(backend: StorageBackend): { backend: StorageBackend; writes: () => number } {
  let writes = 0;
  const { orders, inventory, books } = backend;
  return {
    writes: () => writes,
    backend: {
      ...backend,
      orders: {
        place: async (order, refused) => {
          writes += 1;
          return orders.place(order, refused);
        },
        findById: (id) => orders.findById(id),
        listByUser: (userId, limit, after) => orders.listByUser(userId, limit, after),
        listByStatus: (status, limit, after) => orders.listByStatus(status, limit, after),
        update: async (id, change) => {
          let changed = false;
          const result = await orders.update(id, (order) => {
            const next = change(order);
            changed = E.isRight(next) && next.right !== order;
            return next;
          });
          if (changed && E.isRight(result)) writes += 1;
          return result;
        },
      },
      inventory: {
        findBook: (id) => inventory.findBook(id),
      },
      ...(books
        ? {
          books: {
            listBooks: (limit, after) => books.listBooks(limit, after),
            getBook: (id) => books.getBook(id),
            listAdjustments: (id, limit, after) => books.listAdjustments(id, limit, after),
            putBook: async (put) => {
              const before = await books.getBook(put.id);
              const outcome = await books.putBook(put);
              if ((outcome.kind === 'created' || outcome.kind === 'replaced') && outcome.book.version !== before?.version) writes += 1;
              return outcome;
            },
            adjustStock: async (request) => {
              const result = await books.adjustStock(request);
              if (E.isRight(result)) writes += 1;
              return result;
            },
          },
        }
        : {}),
    },
  };
}
