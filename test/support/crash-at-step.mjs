// The compiled service, with its backend wrapped so the process kills itself (SIGKILL, no clean-up of any kind)
// right after a chosen step of an order whose user is "crash": CRASH_AT=after-add | after-take | after-status.
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

const { orders, inventory } = backend;
await startService(config.right, {
  backend: {
    ...backend,
    orders: {
      findById: (id) => orders.findById(id),
      listByUser: (...args) => orders.listByUser(...args),
      add: async (order) => {
        await orders.add(order);
        if (order.userId === 'crash') crashing.add(order.id);
        if (step === 'after-add' && crashing.has(order.id)) die();
      },
      update: async (id, change) => {
        const result = await orders.update(id, change);
        if (step === 'after-status' && crashing.has(id) && E.isRight(result) && result.right.status === 'cancelled') die();
        return result;
      },
    },
    inventory: {
      findBook: (id) => inventory.findBook(id),
      giveBack: (hold) => inventory.giveBack(hold),
      take: async (hold) => {
        const result = await inventory.take(hold);
        if (step === 'after-take' && crashing.has(hold.orderId)) die();
        return result;
      },
    },
  },
});
