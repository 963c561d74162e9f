import * as E from 'fp-ts/lib/Either.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { insufficientStock, type OrderError } from '../../../domain/order-error.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import type { OrderChange, StockRefusal } from '../../../domain/ports/order-repository.port.js';
import { QueueFull } from './concurrency-limiter.js';
import { inParallel } from './in-parallel.js';
import { planBatch } from './stock-batch-plan.js';
import {
  answer, batchFailed, blank, bookGone, deltaOf, fail, intend, outcomeUnknown, refuse, takeVanished, type StockChange,
} from './stock-change.js';
import { doubtOfMark, durableDoubts, markOf, settledHold, StockDoubts, type StockDoubt } from './stock-doubts.js';
import type { StockSightings } from './stock-sightings.js';
import { asStored, encodeStatus, sameHold, type StoredOrder } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';
import type { StorageServiceApi } from './storage-service-api.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { StorageServiceOutbox } from './storage-service-outbox.js';

/** A new order holds no stock yet: its record carries this status while its stock is being taken. */
const NEW_ORDER: OrderStatus = 'pending';

/** A write as its event sees it: the order before (absent for a new record) and after, as stored, and when. */
type Announced = readonly [before: Order | undefined, after: Order, at: Date] | undefined;
const announced = (before: Order | undefined, next: Order): Announced => [before, asStored(next), next.toSnapshot().updatedAt];

/** The first write of a change: a plain status, or a mark, of which only a give-back's stores a new status. */
const firstWrite = (c: StockChange): Announced => (c.move === 'take' ? undefined : announced(c.current?.order, c.next!));

/** A batch's last write: the status a take stores once its stock is written; a give-back's mark stored it already. */
const lastWrite = (c: StockChange): Announced =>
  c.move === 'take' ? announced(c.current?.order, c.next!) : undefined;

/**
 * A stock write of this service that is not an order's (a stock adjustment) whose outcome is not known yet. The
 * book's next stock write, or its next exclusive task, settles it first from one read of the stock: back at
 * `stockBefore` means it never landed, anything else that it did (exact while this process is the book's only
 * writer, like the orders' doubts). `settle` may throw: the write that needed it then fails, and it stays pending.
 */
export interface PendingStockWrite {
  readonly bookId: BookId;
  readonly stockBefore: number;
  settle(landed: boolean): Promise<void>;
}

/** What a task run by `exclusive` may do with its book's stock; nothing else of this process writes it meanwhile. */
export interface BookStockAccess {
  /** The book's stock now (as seen fresh, or read), after its doubts and pending writes are settled; undefined: no book. */
  stock(): Promise<number | undefined>;
  /**
   * Writes the stock (an absolute value), which `pending` stands for until it is acknowledged: true when written,
   * false when the book is gone. On a failure whose outcome is unknown `pending` stays, settled before the next write.
   */
  write(stock: number, pending: PendingStockWrite): Promise<boolean>;
  /** Runs a write of the book's whole record: what this process saw of the book before or during it no longer counts. */
  rewrite<T>(write: () => Promise<T>): Promise<T>;
}

/** A task waiting in a book's line: it runs alone, between the batches before and after it. */
interface BookTask {
  readonly task: (access: BookStockAccess) => Promise<void>;
}

type InLine = StockChange | BookTask;
const isTask = (entry: InLine): entry is BookTask => 'task' in entry;

export interface BookStockOptions {
  /** Changes that may wait for one book; one more is refused at once. */
  readonly maxWaitingPerBook: number;
  /** Writes a batch has in flight at once: the client's cap, so a batch never floods the client's queue. */
  readonly parallelWrites: number;
}

/**
 * Every stock change, over an API that only sets absolute stock values. Per book, the changes that queue up are run
 * as one batch: settle the book's doubts, take the stock (seen fresh, or read), decide which takes fit, mark each
 * record `taking@S` / `returning@S` (S: the stock before), write the net stock once, then write each final status.
 * A failure between those writes leaves marks the stock can judge (see StockDoubts): within this process they are
 * settled before the book's stock is written again, and after a crash before the next process's first write.
 */
export class BookStockSaga {
  private readonly lines = new Map<BookId, InLine[]>();
  private readonly doubts: StockDoubts;
  private readonly pending = new Map<BookId, PendingStockWrite>();

  constructor(
    private readonly api: StorageServiceApi,
    private readonly records: OrderRecords,
    private readonly sightings: StockSightings,
    private readonly options: BookStockOptions,
    private readonly outbox: StorageServiceOutbox,
  ) {
    this.doubts = new StockDoubts(() => durableDoubts(records));
  }

  /** Stores a new order that holds stock, taking it; stores `refused(reason)` instead when it is not there. */
  place(order: Order, refused: (reason: StockRefusal) => Order): Promise<E.Either<StockRefusal, Order>> {
    const { id, bookId, quantity } = order;
    return this.enqueue({ ...blank(id, bookId, quantity), refused, next: order }) as Promise<E.Either<StockRefusal, Order>>;
  }

  /** Applies `change` to a record (call inside its `exclusive`), with the stock its new status holds; `next` if known. */
  change(current: StoredOrder, change: OrderChange, next?: Order): Promise<E.Either<OrderError, Order>> {
    const { id, bookId, quantity } = current.order;
    const marked = doubtOfMark(id, bookId, quantity, current.hold);
    // A mark this process never saw being written (a record changed after the start-up listing) is a doubt too.
    if (marked && !this.doubts.has(bookId, id)) this.doubts.open(marked);
    return this.enqueue({ ...blank(id, bookId, quantity), change, current, ...(next ? { next } : {}) });
  }

  /** True while a stock change of this order may have been cut off: its record is written only by its book's batch. */
  inDoubt(order: Order): boolean {
    return this.doubts.has(order.bookId, order.id);
  }

  /**
   * Runs `task` in the book's line, exclusively with respect to this process's stock writes to the book: the
   * batches of orders queued before it have finished, those queued after it wait for it. The task is refused at
   * once, like a change, when too many wait for the book.
   */
  exclusive<T>(bookId: BookId, task: (access: BookStockAccess) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: BookTask = { task: (access) => task(access).then(resolve, reject) };
      try {
        this.join(bookId, entry);
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Registers a write left in doubt by an earlier process, settled before the book's next stock write. */
  leftPending(write: PendingStockWrite): void {
    this.pending.set(write.bookId, write);
  }

  private enqueue(change: StockChange): Promise<E.Either<OrderError, Order>> {
    const outcome = new Promise<E.Either<OrderError, Order>>((resolve, reject) => {
      change.resolve = resolve;
      change.reject = reject;
    });
    try {
      this.join(change.bookId, change);
    } catch (error) {
      return Promise.reject(error);
    }
    return outcome;
  }

  private join(bookId: BookId, entry: InLine): void {
    const line = this.lines.get(bookId);
    if (line && line.length >= this.options.maxWaitingPerBook) {
      const cause = new QueueFull(`${line.length} already waiting for book ${bookId}`);
      throw new DependencyFailure(STORAGE_SERVICE, `too many stock changes waiting for book ${bookId}`, { cause });
    }
    if (line) line.push(entry);
    else {
      const started = [entry];
      this.lines.set(bookId, started);
      void this.drain(bookId, started);
    }
  }

  private async drain(bookId: BookId, line: InLine[]): Promise<void> {
    while (line.length > 0) {
      const first = line[0]!;
      if (isTask(first)) {
        line.shift();
        await first.task(this.access(bookId)).catch(() => undefined); // its caller has the outcome
        continue;
      }
      const until = line.findIndex(isTask);
      const batch = line.splice(0, until < 0 ? line.length : until) as StockChange[];
      try {
        await this.run(bookId, batch, line);
      } catch (error) {
        batch.forEach((change) => fail(change, error));
      }
    }
    this.lines.delete(bookId);
  }

  private access(bookId: BookId): BookStockAccess {
    return {
      stock: async () => {
        await this.settleDoubts(bookId, []);
        await this.settlePending(bookId);
        return this.sightings.fresh(bookId) ?? (await this.readStock(bookId));
      },
      write: async (stock, pending) => {
        this.pending.set(bookId, pending);
        this.sightings.writing(bookId);
        try {
          const written = await this.api.setStock(bookId, stock);
          this.sightings.written(bookId, written ? stock : undefined);
          this.pending.delete(bookId);
          return written;
        } catch (error) {
          this.sightings.written(bookId, undefined);
          const mayHaveLanded = !(error instanceof DependencyFailure) || error.options.outcomeUnknown === true;
          if (!mayHaveLanded) this.pending.delete(bookId);
          throw error;
        }
      },
      rewrite: async (write) => {
        this.sightings.rewriting(bookId);
        try {
          return await write();
        } finally {
          this.sightings.written(bookId, undefined);
        }
      },
    };
  }

  /** Settles the book's pending write, if any, from one read of its stock (which the batch after it may reuse). */
  private async settlePending(bookId: BookId): Promise<void> {
    const pending = this.pending.get(bookId);
    if (!pending) return;
    const stock = await this.readStock(bookId);
    await pending.settle(stock !== undefined && stock !== pending.stockBefore);
    if (this.pending.get(bookId) === pending) this.pending.delete(bookId);
  }

  private async run(bookId: BookId, batch: StockChange[], line: InLine[]): Promise<void> {
    await this.settleDoubts(bookId, batch);
    await this.settlePending(bookId);
    batch.forEach(intend);
    const moving = batch.some((c) => !c.answered && c.move !== 'none');
    const stock = moving ? this.sightings.fresh(bookId) ?? (await this.readStock(bookId)) : undefined;
    let stockAfter = stock;
    if (moving && stock === undefined) batch.forEach(bookGone);
    if (stock !== undefined) {
      const plan = planBatch(stock, batch.map(deltaOf));
      line.unshift(...batch.splice(plan.size).filter((c) => !c.answered));
      batch.forEach((c, i) => {
        if (!plan.fits[i]) refuse(c, insufficientStock(bookId, c.quantity, plan.available[i]!));
      });
      stockAfter = plan.stockAfter;
    }
    const marked = batch.filter((c) => !c.answered && c.move !== 'none');
    const plain = batch.filter((c) => !c.answered && c.move === 'none');
    await this.announce([...marked, ...plain], firstWrite);
    await inParallel([...marked, ...plain], this.options.parallelWrites, (c) => (c.move === 'none' ? this.writePlain(c) : this.mark(c, stock!)));
    if (marked.length === 0) return;
    // Without every mark in place, the stock write could not be judged for the missing one: nothing is written.
    const failed = marked.find((c) => c.failure !== undefined);
    if (failed) return marked.forEach((c) => fail(c, c.failure ?? batchFailed(c, failed.failure)));
    // The confirmations' intents are made durable while the stock is being written.
    const announcing = this.announce(marked, lastWrite);
    const written = await this.writeStock(bookId, marked, stockAfter!);
    await announcing;
    if (written !== true) marked.forEach((c) => c.intent && this.outbox.drop(c.intent));
    if (written === undefined) return;
    if (!written) {
      marked.forEach(takeVanished);
      await this.announce(marked, lastWrite);
    }
    await inParallel(marked, this.options.parallelWrites, (c) => this.finish(c, written ? stockAfter : undefined));
  }

  /**
   * Writes, durably and together, the intent of each change's next write (see StorageServiceOutbox) before any of
   * those writes leaves. A change whose intent could not be written keeps the failure, and its write is not sent.
   */
  private async announce(changes: readonly StockChange[], write: (c: StockChange) => Announced): Promise<void> {
    await Promise.all(changes.map(async (c) => {
      delete c.intent;
      try {
        const announcement = c.answered ? undefined : write(c);
        if (!announcement) return;
        const intent = await this.outbox.intend(...announcement);
        if (intent) c.intent = intent;
      } catch (error) {
        c.failure = error;
      }
    }));
  }

  /** Settles the book's doubts, from one stock read if any write may have landed; refreshes the batch's records. */
  private async settleDoubts(bookId: BookId, batch: readonly StockChange[]): Promise<void> {
    const doubts = await this.doubts.of(bookId);
    if (doubts.length === 0) return;
    const stock = doubts.some((d) => d.stockWritten) ? await this.readStock(bookId) : undefined;
    await inParallel(doubts, this.options.parallelWrites, async (doubt) => {
      const record = await this.settle(doubt, doubt.stockWritten ? stock : doubt.stockBefore);
      const waiting = batch.find((c) => c.orderId === doubt.orderId && c.change);
      if (waiting) {
        waiting.current = record;
        delete waiting.next;
      }
    }, true);
  }

  /** Writes the record's mark over as the hold the stock shows (a take landed or not); answers the record. */
  private async settle(doubt: StockDoubt, stock: number | undefined): Promise<StoredOrder | undefined> {
    const record = await this.records.read(doubt.orderId);
    const settled = record && sameHold(record.hold, markOf(doubt))
      ? await this.records.setStatus(doubt.orderId, encodeStatus(record.order.status, settledHold(doubt, stock)))
      : record;
    this.doubts.close(doubt);
    return settled;
  }

  private async readStock(bookId: BookId): Promise<number | undefined> {
    const glance = this.sightings.glance(bookId);
    const stock = await this.api.getStock(bookId);
    if (stock !== undefined) this.sightings.saw(glance, stock);
    return stock;
  }

  private async writePlain(c: StockChange): Promise<void> {
    if (c.failure) return fail(c, c.failure);
    try {
      const stored = c.change
        ? await this.records.setStatus(c.orderId, encodeStatus(c.next!.status, c.hold), c.intent)
        : await this.records.add(c.next!, c.hold, c.next!.status, c.intent);
      answer(c, c.refusal ? E.left(c.refusal) : E.right(stored.order));
    } catch (error) {
      fail(c, error);
    }
  }

  /** A take is marked on a status that holds no stock (so a take that never lands claims none), a give-back on the new one. */
  private async mark(c: StockChange, stockBefore: number): Promise<void> {
    if (c.failure) return; // its intent could not be written: the batch fails without it
    const direction = c.move === 'take' ? 'take' : 'return';
    c.doubt = this.doubts.open({ orderId: c.orderId, bookId: c.bookId, direction, quantity: c.quantity, stockBefore, stockWritten: false });
    try {
      if (!c.current) await this.records.add(c.next!, markOf(c.doubt), NEW_ORDER);
      else {
        const status = direction === 'take' ? c.current.order.status : c.next!.status;
        await this.records.setStatus(c.orderId, encodeStatus(status, markOf(c.doubt)), c.intent);
      }
    } catch (error) {
      c.failure = error;
    }
  }

  /** The batch's one stock write: true when written, false when the book is gone, undefined when it failed. */
  private async writeStock(bookId: BookId, marked: readonly StockChange[], stock: number): Promise<boolean | undefined> {
    marked.forEach((c) => (c.doubt!.stockWritten = true));
    this.sightings.writing(bookId);
    try {
      const written = await this.api.setStock(bookId, stock);
      this.sightings.written(bookId, written ? stock : undefined);
      return written;
    } catch (error) {
      this.sightings.written(bookId, undefined);
      // The client says whether the write may have landed; one that cannot have leaves marks judged "not landed".
      const mayHaveLanded = !(error instanceof DependencyFailure) || error.options.outcomeUnknown === true;
      marked.forEach((c) => {
        c.doubt!.stockWritten = mayHaveLanded;
        fail(c, c.move === 'give-back' ? outcomeUnknown(error) : error);
      });
      return undefined;
    }
  }

  private async finish(c: StockChange, stockAfter: number | undefined): Promise<void> {
    // Its stock may be written and its intent is not: the mark stays, and is judged like any other.
    if (c.failure) return fail(c, outcomeUnknown(c.failure));
    const doubt = c.doubt!;
    const hold = settledHold(doubt, stockAfter);
    try {
      const stored = await this.records.setStatus(c.orderId, encodeStatus(c.next!.status, hold), c.intent);
      this.doubts.close(doubt);
      answer(c, c.refusal ? E.left(c.refusal) : E.right(stored.order));
    } catch (error) {
      fail(c, outcomeUnknown(error));
    }
  }
}
