import type { Either } from 'fp-ts/lib/Either.js';
import type { AdjustmentPosition, AdjustmentRefusal, CatalogBook, StockAdjustment } from '../domain/book-catalog.js';
import type { BookId } from '../domain/identifiers.js';
import type { BookPut, CatalogPort, PutBookOutcome } from '../domain/ports/catalog.port.js';
import type { Clock } from '../domain/ports/clock.port.js';
import { pageFrom, pageSize, type Page } from './paging.js';

export const DEFAULT_BOOK_PAGE = 50;
export const MAX_BOOK_PAGE = 200;



/** The catalog, by id, a page at a time. */
export class ListBooks {
  constructor(private readonly books: CatalogPort) {}

  async execute(query: { readonly limit: number; readonly after?: BookId }): Promise<Page<CatalogBook, BookId>> {
    const limit = pageSize(query.limit, MAX_BOOK_PAGE);
    return pageFrom(await this.books.listBooks(limit + 1, query.after), limit, (book) => book.id);
  }
}

export class GetBook {
  constructor(private readonly books: CatalogPort) {}

  execute(id: BookId): Promise<CatalogBook | undefined> {
    return this.books.getBook(id);
  }
}

/**
 * Creates a book, or replaces its title, author and price. Its stock is set only when it is created: after that,
 * stock moves with orders and adjustments alone, so a PUT can never undo a sale. A new price applies to the
 * orders placed afterwards; placed orders keep the price they were placed at.
 */
export class PutBook {
  constructor(private readonly books: CatalogPort) {}

  execute(put: BookPut): Promise<PutBookOutcome> {
    return this.books.putBook(put);
  }
}

export interface AdjustStockCommand {
  readonly bookId: BookId;
  readonly delta: number;
  readonly reason: string;
}

/** Moves a book's stock by hand (a restock, a write-off), keeping the entry and its reason in the book's ledger. */
export class AdjustStock {
  constructor(
    private readonly books: CatalogPort,
    private readonly clock: Clock,
    private readonly ids: { next(): string },
  ) {}

  execute(command: AdjustStockCommand): Promise<Either<AdjustmentRefusal, StockAdjustment>> {
    const { bookId, delta, reason } = command;
    return this.books.adjustStock({ id: this.ids.next(), bookId, delta, reason, at: this.clock.now() });
  }
}

/** A book's ledger, newest first, a page at a time; undefined when there is no such book. */
export class ListStockAdjustments {
  constructor(private readonly books: CatalogPort) {}

  async execute(query: { readonly bookId: BookId; readonly limit: number; readonly after?: AdjustmentPosition }):
    Promise<Page<StockAdjustment, AdjustmentPosition> | undefined> {
    const limit = pageSize(query.limit, MAX_BOOK_PAGE);
    const found = await this.books.listAdjustments(query.bookId, limit + 1, query.after);
    return found && pageFrom(found, limit, (last) => ({ at: last.at, id: last.id }));
  }
}
