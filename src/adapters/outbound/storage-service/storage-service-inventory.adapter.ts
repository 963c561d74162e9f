import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { BookId, OrderId } from '../../../domain/identifiers.js';
import { bookNotFound, insufficientStock, type BookNotFound, type InsufficientStock } from '../../../domain/order-error.js';
import type { Book, InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import { QueueFull } from './concurrency-limiter.js';
import { KeyedMutex } from './keyed-mutex.js';
import { doubtOfMark, markOf, settledHold, StockDoubts, type StockDoubt } from './stock-doubts.js';
import { toBook } from './storage-book.js';
import { DONE, FREE, sameHold, type Hold } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';
import type { StorageServiceApi } from './storage-service-api.js';
import { STORAGE_SERVICE } from './storage-service-client.js';

/** Where one order's hold is read and written: its storage record, or process memory for an order storage lacks. */
interface HoldSlot {
  readonly hold: Hold;
  readonly quantity: number;
  set(next: Hold): Promise<void>;
}

type Refusal = BookNotFound | InsufficientStock;

/**
 * Stock over an API that only sets absolute values. Every stock change of a book runs under that book's lock, as
 * read stock → mark the order record `taking@before` / `returning@before` → write the new stock → mark it `held` /
 * `done`. A failure between those writes leaves a StockDoubt, settled from the stock before the book is written
 * again; so within this process no update is lost, and a crash leaves marks a restart can judge.
 */
export class StorageServiceInventory implements InventoryPort {
  private readonly books: KeyedMutex<BookId>;
  /** Holds of orders the storage service has no record of (never made by PlaceOrder, which records first). */
  private readonly orphans = new Map<OrderId, { hold: Hold; quantity: number }>();
  private readonly doubts: StockDoubts;

  constructor(private readonly api: StorageServiceApi, private readonly records: OrderRecords, maxWaitingPerBook: number) {
    this.books = new KeyedMutex(maxWaitingPerBook);
    this.doubts = new StockDoubts(() => this.durableDoubts());
  }

  async findBook(id: BookId): Promise<Book | undefined> {
    const wire = await this.api.getBook(id);
    return wire && toBook(wire);
  }

  take(hold: StockHold): Promise<E.Either<Refusal, void>> {
    return this.changing(hold, async (slot) => {
      if (slot.hold.kind !== 'free') return this.decided(slot, hold, E.right(undefined));
      const stock = await this.api.getStock(hold.bookId);
      if (stock === undefined) return E.left(bookNotFound(hold.bookId));
      if (stock < slot.quantity) return E.left(insufficientStock(hold.bookId, slot.quantity, stock));
      return (await this.move(slot, hold, 'take', stock)) ? E.right(undefined) : E.left(bookNotFound(hold.bookId));
    });
  }

  giveBack(hold: StockHold): Promise<void> {
    return this.changing(hold, async (slot) => {
      if (slot.hold.kind !== 'held') return this.decided(slot, hold, undefined);
      const stock = await this.api.getStock(hold.bookId);
      if (stock === undefined) return slot.set(DONE);
      await this.move(slot, hold, 'return', stock);
    });
  }

  /** Runs `work` on the order's hold under the book's lock, once the book's earlier doubts are settled. */
  private async changing<T>(hold: StockHold, work: (slot: HoldSlot) => Promise<T>): Promise<T> {
    try {
      return await this.books.run(hold.bookId, async () => {
        for (const doubt of await this.doubts.of(hold.bookId)) await this.settle(doubt);
        return this.records.exclusive(hold.orderId, async () => work(await this.slotOf(hold)));
      });
    } catch (error) {
      if (!(error instanceof QueueFull)) throw error;
      throw new DependencyFailure(STORAGE_SERVICE, `too many stock changes waiting for book ${hold.bookId}`, { cause: error });
    }
  }

  private async move(slot: HoldSlot, hold: StockHold, direction: 'take' | 'return', stockBefore: number): Promise<boolean> {
    const doubt = this.doubts.open({ orderId: hold.orderId, bookId: hold.bookId, direction, quantity: slot.quantity, stockBefore, stockWritten: false });
    await slot.set(markOf(doubt));
    const after = direction === 'take' ? stockBefore - slot.quantity : stockBefore + slot.quantity;
    let written: boolean;
    try {
      doubt.stockWritten = true;
      written = await this.api.setStock(hold.bookId, after);
    } catch (error) {
      // The client already says whether the write may have landed; a write that cannot have landed leaves no doubt.
      if (error instanceof DependencyFailure && !error.options.outcomeUnknown) doubt.stockWritten = false;
      throw error;
    }
    try {
      await slot.set(settledHold(doubt, written ? after : undefined));
    } catch (error) {
      throw error instanceof DependencyFailure
        ? new DependencyFailure(error.dependency, error.message, { ...error.options, cause: error, outcomeUnknown: true })
        : error;
    }
    this.doubts.close(doubt);
    return written;
  }

  private async settle(doubt: StockDoubt): Promise<void> {
    const stock = doubt.stockWritten ? await this.api.getStock(doubt.bookId) : doubt.stockBefore;
    await this.records.exclusive(doubt.orderId, async () => {
      const slot = await this.slotOf(doubt);
      if (sameHold(slot.hold, markOf(doubt))) await slot.set(settledHold(doubt, stock));
    });
    this.doubts.close(doubt);
  }

  /** A hold already past `free` (or `held`): fine, unless it is marked in doubt by a write this process never saw. */
  private decided<T>(slot: HoldSlot, hold: StockHold, value: T): T {
    const doubt = doubtOfMark(hold.orderId, hold.bookId, slot.quantity, slot.hold);
    if (!doubt) return value;
    this.doubts.open(doubt);
    throw new DependencyFailure(STORAGE_SERVICE, `order ${hold.orderId} has an unsettled stock change; it is settled on the next try`);
  }

  private async slotOf(ref: { readonly orderId: OrderId; readonly quantity: number }): Promise<HoldSlot> {
    const stored = await this.records.read(ref.orderId);
    if (stored) {
      let current = stored;
      return {
        hold: stored.hold,
        quantity: stored.order.quantity,
        set: async (next) => {
          current = await this.records.write(current, current.order.status, next);
        },
      };
    }
    const orphan = this.orphans.get(ref.orderId);
    const quantity = orphan?.quantity ?? ref.quantity;
    return { hold: orphan?.hold ?? FREE, quantity, set: async (next) => void this.orphans.set(ref.orderId, { hold: next, quantity }) };
  }

  private async durableDoubts(): Promise<StockDoubt[]> {
    return (await this.records.all()).flatMap((entry) => {
      let stored;
      try {
        stored = entry.decode();
      } catch {
        return []; // a record that is not one of ours cannot carry a mark of ours
      }
      const doubt = doubtOfMark(stored.order.id, stored.order.bookId, stored.order.quantity, stored.hold);
      return doubt ? [doubt] : [];
    });
  }
}
