import type { BookId, OrderId } from '../../../domain/identifiers.js';
import { DONE, FREE, HELD, isMark, type Hold, type StoredOrder } from './storage-order-record.js';
import type { OrderRecords } from './storage-order-records.js';

/**
 * An absolute stock write for one order whose outcome is not known yet. The orders of one batch share one write and
 * one `stockBefore`, and a batch never writes back the stock it read, so the stock judges all of them alike.
 */
export interface StockDoubt {
  readonly orderId: OrderId;
  readonly bookId: BookId;
  readonly direction: 'take' | 'return';
  readonly quantity: number;
  readonly stockBefore: number;
  /** False until the write may have reached the storage service. */
  stockWritten: boolean;
}

/** The mark a doubt leaves in its order record until it is settled. */
export const markOf = (doubt: StockDoubt): Hold => ({
  kind: doubt.direction === 'take' ? 'taking' : 'returning',
  stockBefore: doubt.stockBefore,
});

/** The doubt an order record's mark announces, if it carries one. */
export function doubtOfMark(orderId: OrderId, bookId: BookId, quantity: number, mark: Hold): StockDoubt | undefined {
  if (!isMark(mark)) return undefined;
  const direction = mark.kind === 'taking' ? 'take' : 'return';
  return { orderId, bookId, direction, quantity, stockBefore: mark.stockBefore, stockWritten: true };
}

/**
 * What the stock says about a doubt: back at `stockBefore` means the write never landed, anything else that it
 * did. Exact while this process is the only writer of the book, since nothing else has written it since. With
 * other writers a stock that is neither before nor after is read as "landed", which can lose a unit but never
 * sells one twice. No book (undefined) means there is nothing to hold or give back to.
 */
export function settledHold(doubt: StockDoubt, stock: number | undefined): Hold {
  const landed = doubt.stockWritten && stock !== undefined && stock !== doubt.stockBefore;
  if (doubt.direction === 'take') return landed ? HELD : FREE;
  return landed || stock === undefined ? DONE : HELD;
}

/**
 * The doubts of this process, by book. Every stock write on a book settles that book's doubts first, so a doubt is
 * judged before anything else moves the stock. Doubts left by an earlier process (a crash between writes) are
 * loaded from the order records once, before the first settle.
 */
export class StockDoubts {
  private readonly byBook = new Map<BookId, Map<OrderId, StockDoubt>>();
  private loading: Promise<void> | undefined;

  constructor(private readonly loadDurable: () => Promise<readonly StockDoubt[]>) {}

  async of(bookId: BookId): Promise<StockDoubt[]> {
    await this.load();
    return [...(this.byBook.get(bookId)?.values() ?? [])];
  }

  has(bookId: BookId, orderId: OrderId): boolean {
    return this.byBook.get(bookId)?.has(orderId) ?? false;
  }

  open(doubt: StockDoubt): StockDoubt {
    const ofBook = this.byBook.get(doubt.bookId) ?? new Map<OrderId, StockDoubt>();
    ofBook.set(doubt.orderId, doubt);
    this.byBook.set(doubt.bookId, ofBook);
    return doubt;
  }

  close(doubt: StockDoubt): void {
    const ofBook = this.byBook.get(doubt.bookId);
    if (ofBook?.get(doubt.orderId) === doubt) ofBook.delete(doubt.orderId);
    if (ofBook?.size === 0) this.byBook.delete(doubt.bookId);
  }

  private load(): Promise<void> {
    this.loading ??= this.loadDurable().then(
      (doubts) => doubts.forEach((doubt) => this.open(doubt)),
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}

/** The doubts the order records announce: what a process that died between writes left behind. */
export async function durableDoubts(records: OrderRecords): Promise<StockDoubt[]> {
  return (await records.all()).flatMap((entry) => {
    let stored: StoredOrder;
    try {
      stored = entry.decode();
    } catch {
      return []; // a record that is not one of ours cannot carry a mark of ours
    }
    const doubt = doubtOfMark(stored.order.id, stored.order.bookId, stored.order.quantity, stored.hold);
    return doubt ? [doubt] : [];
  });
}
