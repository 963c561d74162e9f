import { DependencyFailure } from '../../src/application/dependency-failure.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';

type Step = 'findBook' | 'place' | 'update';

/**
 * Wraps a backend so a chosen step fails the next N times with a DependencyFailure, as a storage outage
 * would, before or after the step took effect.
 */
export function withFaults(backend: StorageBackend) {
  const planned = new Map<Step, { times: number; after: boolean }>();
  const fault = async <T>(step: Step, run: () => Promise<T>): Promise<T> => {
    const plan = planned.get(step);
    if (!plan || plan.times <= 0) return run();
    plan.times -= 1;
    const failure = new DependencyFailure('test-store', `injected fault at ${step}`, { outcomeUnknown: plan.after });
    if (plan.after) await run();
    throw failure;
  };
  const { orders, inventory } = backend;
  return {
    /** The next `times` calls of `step` fail; with `after`, they fail once the step has taken effect. */
    failNext(step: Step, times = 1, after = false) {
      planned.set(step, { times, after });
    },
    backend: {
      ...backend,
      orders: {
        place: (order, refused) => fault('place', () => orders.place(order, refused)),
        findById: (id) => orders.findById(id),
        listByUser: (u, l, a) => orders.listByUser(u, l, a),
        listByStatus: (s, l, a) => orders.listByStatus(s, l, a),
        update: (id, change) => fault('update', () => orders.update(id, change)),
      },
      inventory: {
        findBook: (id) => fault('findBook', () => inventory.findBook(id)),
      },
    } satisfies StorageBackend,
  };
}
