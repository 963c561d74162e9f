// The compiled service, with its backend wrapped so the process kills itself (SIGKILL, no clean-up of any kind)
// right after a chosen write of an order whose user is "crash", before any answer leaves:
// CRASH_AT=after-place | after-status (the cancel).
import * as E from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../../dist/infrastructure/config.js';
import { startService } from '../../dist/infrastructure/server.js';
import { openStorageBackend } from '../../dist/infrastructure/storage-backends.js';

const step = process.env.CRASH_AT;
const config = decodeConfig(process.env);
if (E.isLeft(config)) throw new Error(config.left.join('\n'));
const backend = await openStorageBackend(config.right);
const crashing = new Set();
const die = () => process.kill(process.pid, 'SIGKILL');

const { orders } = backend;
await startService(config.right, {
  backend: {
    ...backend,
    orders: {
      findById: (id) => orders.findById(id),
      listByUser: (...args) => orders.listByUser(...args),
      listByStatus: (...args) => orders.listByStatus(...args),
      place: async (order, refused) => {
        const result = await orders.place(order, refused);
        if (order.userId === 'crash') crashing.add(order.id);
        if (step === 'after-place' && crashing.has(order.id)) die();
        return result;
      },
      update: async (id, change) => {
        const result = await orders.update(id, change);
        if (step === 'after-status' && crashing.has(id) && E.isRight(result) && result.right.status === 'cancelled') die();
        return result;
      },
    },
  },
});
