import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { OrderId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import { KeyedMutex } from './keyed-mutex.js';
import { encodeStatus, fromWireOrder, toWireOrder, type Hold, type StoredOrder } from './storage-order-record.js';
import type { StorageServiceApi } from './storage-service-api.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import { WireOrder } from './storage-service-wire.js';

/**
 * Order records in the storage service, shared by the repository (status) and the inventory (hold). Both change a
 * record by reading it and writing its whole status back, so every such change runs inside `exclusive` for that
 * order: within this process, no change is lost to another.
 */
export class OrderRecords {
  private readonly mutex = new KeyedMutex<string>();

  constructor(private readonly api: StorageServiceApi) {}

  exclusive<T>(id: OrderId, work: () => Promise<T>): Promise<T> {
    return this.mutex.run(id, work);
  }

  async read(id: OrderId): Promise<StoredOrder | undefined> {
    const wire = await this.api.getOrder(id);
    return wire && readable(wire);
  }

  /** Call inside `exclusive`. orders/add overwrites silently, so the id is checked to be free first. */
  async add(order: Order, hold: Hold): Promise<void> {
    if (await this.api.getOrder(order.id)) throw new Error(`order ${order.id} already exists in the storage service`);
    await this.api.addOrder(toWireOrder(order, hold));
  }

  /** Call inside `exclusive`. Writes `status` and `hold` over `current`; answers the record as stored. */
  async write(current: StoredOrder, status: OrderStatus, hold: Hold): Promise<StoredOrder> {
    const written = await this.api.setOrderStatus(current.order.id, encodeStatus(status, hold));
    if (!written) throw new DependencyFailure(STORAGE_SERVICE, `order ${current.order.id} vanished from the storage service`);
    return readable(written);
  }

  /** Every record that reads as an order, each with its raw user id for filtering before the full decode. */
  async all(): Promise<Array<{ readonly userId: unknown; decode(): StoredOrder }>> {
    return (await this.api.listOrders()).map((entry) => ({
      userId: (entry as { user_id?: unknown } | null)?.user_id,
      decode: () => {
        const wire = WireOrder.decode(entry);
        if (E.isLeft(wire)) throw unreadable('an entry of orders/list', 'it is not an Order');
        return readable(wire.right);
      },
    }));
  }
}

function readable(wire: WireOrder): StoredOrder {
  const stored = fromWireOrder(wire);
  if (E.isLeft(stored)) throw unreadable(`order ${JSON.stringify(wire.id)}`, stored.left);
  return stored.right;
}

const unreadable = (what: string, why: string) =>
  new DependencyFailure(STORAGE_SERVICE, `${what} in the storage service cannot be read: ${why}`);
