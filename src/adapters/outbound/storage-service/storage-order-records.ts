import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { OrderId, UserId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import { KeyedMutex } from './keyed-mutex.js';
import { fromWireOrder, toWireOrder, type Hold, type StoredOrder } from './storage-order-record.js';
import type { StorageServiceApi } from './storage-service-api.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { Intent, StorageServiceOutbox } from './storage-service-outbox.js';
import { WireOrder } from './storage-service-wire.js';

/**
 * Order records in the storage service, written by the repository (status) and the book stock saga (hold). A change
 * to a stored record reads it and writes its whole status back, so such changes run inside `exclusive` for that
 * order: within this process, no change is lost to another. A write that changes the status consumers see carries
 * the intent of its event (see StorageServiceOutbox), settled here by the write's outcome.
 */
export class OrderRecords {
  private readonly mutex = new KeyedMutex<string>();

  constructor(private readonly api: StorageServiceApi, private readonly outbox: StorageServiceOutbox) {}

  exclusive<T>(id: OrderId, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(id, work);
  }

  async read(id: OrderId): Promise<StoredOrder | undefined> {
    const wire = await this.api.getOrder(id);
    return wire && readable(wire);
  }

  /**
   * Records a new order; answers it as stored. orders/add overwrites silently, and nothing checks the id first:
   * ids are UUIDv7, unique by construction.
   */
  add(order: Order, hold: Hold, status: OrderStatus = order.status, intent?: Intent): Promise<StoredOrder> {
    return this.outbox.around(intent, async () => written(await this.api.addOrder(toWireOrder(order, hold, status))));
  }

  /** Writes an encoded status (see encodeStatus) over the record; answers the record as stored. */
  setStatus(id: OrderId, status: string, intent?: Intent): Promise<StoredOrder> {
    return this.outbox.around(intent, async () => {
      const echo = await this.api.setOrderStatus(id, status);
      if (!echo) throw new DependencyFailure(STORAGE_SERVICE, `order ${id} vanished from the storage service`);
      return written(echo);
    });
  }

  /**
   * Every record that reads as an order (only the user's, when `userId` is given), each with its raw id, to be
   * decoded in full only by whoever keeps it. The listing may be shared by concurrent callers: it is filtered by user
   * first, so that each wraps only what it keeps.
   */
  async all(userId?: UserId): Promise<Array<{ readonly id: unknown; decode(): StoredOrder }>> {
    const listed = await this.api.listOrders();
    const kept = userId === undefined ? listed : listed.filter((entry) => (entry as { user_id?: unknown } | null)?.user_id === userId);
    return kept.map((entry) => ({
      id: (entry as { id?: unknown } | null)?.id,
      decode: () => {
        const wire = WireOrder.decode(entry);
        if (E.isLeft(wire)) throw unreadable('an entry of orders/list', 'it is not an Order');
        return readable(wire.right);
      },
    }));
  }
}

/** An echo that cannot be read still means the write was applied: its failure says so. */
function written(echo: WireOrder): StoredOrder {
  try {
    return readable(echo);
  } catch (error) {
    if (!(error instanceof DependencyFailure)) throw error;
    throw new DependencyFailure(error.dependency, error.message, { ...error.options, cause: error, outcomeUnknown: true });
  }
}

function readable(wire: WireOrder): StoredOrder {
  const stored = fromWireOrder(wire);
  if (E.isLeft(stored)) throw unreadable(`order ${JSON.stringify(wire.id)}`, stored.left);
  return stored.right;
}

const unreadable = (what: string, why: string) =>
  new DependencyFailure(STORAGE_SERVICE, `${what} in the storage service cannot be read: ${why}`);
