import type { BookId } from '../../../domain/identifiers.js';
import type { Book } from '../../../domain/ports/inventory.port.js';

/** How long a stock this process saw stands for the stock now, when this process has not written it since. */
export const FRESH_STOCK_MS = 1000;

/** A read of a book's stock about to be issued: what `saw` needs to tell whether its answer is still current. */
export interface StockGlance {
  readonly bookId: BookId;
  readonly version: number;
  readonly at: number;
}

interface Sighting {
  /** Drawn from one counter for all books whenever a stock write of this process starts or ends. */
  version: number;
  writing: boolean;
  stock: number | undefined;
  seenAt: number;
  /** The book's record (title, author, price) as last read, and when that read was issued. */
  book: Book | undefined;
  bookSeenAt: number;
  touchedAt: number;
}

/**
 * The latest stock of each book this process has seen (read, or echoed by its own write), so that a batch can take
 * stock without reading it again. A read counts only when no stock write of this process to the book was in flight
 * or started after it was issued, and only for FRESH_STOCK_MS after that: past that, another writer (the Books
 * service restocking) is more likely to have changed it than a second read is to cost. Books idle for longer are
 * forgotten, so the map stays as small as the set of books being ordered.
 *
 * A book's record (title, author, price) read with its stock stands for it just as long, counted from that read, not
 * from the stock writes that keep the stock fresh: a burst of orders for one book reads it once a window, not once
 * an order. A write of the record by this process (`rewriting`) drops it, and any read in flight meanwhile.
 */
export class StockSightings {
  private counter = 0;
  private readonly books = new Map<BookId, Sighting>();
  private sweepAt = 256;

  constructor(private readonly maxAgeMs = FRESH_STOCK_MS, private readonly now: () => number = Date.now) {}

  /** Call just before issuing a read of the book's stock; give its answer to `saw`. */
  glance(bookId: BookId): StockGlance {
    const book = this.entry(bookId);
    return { bookId, version: book.writing ? -1 : book.version, at: book.touchedAt };
  }

  /** A read's answer: the stock, and the whole record when the read was of the book. */
  saw(glance: StockGlance, stock: number, record?: Book): void {
    const book = this.books.get(glance.bookId);
    if (!book || book.version !== glance.version || this.now() - glance.at >= this.maxAgeMs) return;
    if (record && !(book.book && book.bookSeenAt > glance.at)) {
      book.book = record;
      book.bookSeenAt = glance.at;
    }
    if (book.stock !== undefined && book.seenAt > glance.at) return;
    book.stock = stock;
    book.seenAt = glance.at;
  }

  /** The stock as this process last saw it, when that still counts. */
  fresh(bookId: BookId): number | undefined {
    const book = this.books.get(bookId);
    if (!book || book.writing || book.stock === undefined || this.now() - book.seenAt >= this.maxAgeMs) return undefined;
    return book.stock;
  }

  /** The book as last read, with the stock as last seen, when both still count. */
  freshBook(bookId: BookId): Book | undefined {
    const stock = this.fresh(bookId);
    const book = this.books.get(bookId);
    if (stock === undefined || !book?.book || this.now() - book.bookSeenAt >= this.maxAgeMs) return undefined;
    return book.book.stock === stock ? book.book : { ...book.book, stock };
  }

  /** A write of the book's record (and with it its stock) starts: what was read of it no longer counts. */
  rewriting(bookId: BookId): void {
    this.writing(bookId);
    this.books.get(bookId)!.book = undefined;
  }

  writing(bookId: BookId): void {
    const book = this.entry(bookId);
    book.writing = true;
    book.version = ++this.counter;
    book.stock = undefined;
  }

  /** The write ended: with the stock it echoed, or undefined when its outcome is not known. */
  written(bookId: BookId, stock: number | undefined): void {
    const book = this.entry(bookId);
    book.writing = false;
    book.version = ++this.counter;
    book.stock = stock;
    book.seenAt = book.touchedAt;
  }

  private entry(bookId: BookId): Sighting {
    const now = this.now();
    let book = this.books.get(bookId);
    if (!book) {
      if (this.books.size >= this.sweepAt) this.sweep(now);
      book = { version: this.counter, writing: false, stock: undefined, seenAt: 0, book: undefined, bookSeenAt: 0, touchedAt: now };
      this.books.set(bookId, book);
    }
    book.touchedAt = now;
    return book;
  }

  /** Forgets books untouched for longer than a sighting lasts; a read still in flight from before is too old for `saw`. */
  private sweep(now: number): void {
    for (const [id, book] of this.books) if (!book.writing && now - book.touchedAt >= this.maxAgeMs) this.books.delete(id);
    this.sweepAt = Math.max(256, 2 * this.books.size);
  }
}
