import * as E from 'fp-ts/lib/Either.js';
import type { BookId, OrderId } from '../../../domain/identifiers.js';
import { bookNotFound, insufficientStock, type BookNotFound, type InsufficientStock } from '../../../domain/order-error.js';
import type { Book, InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';

/** Stock in a Map with a ledger of holds by order id, which is what makes take and give back idempotent. */
export class MemoryInventory implements InventoryPort, CatalogSeeder {
  private readonly books = new Map<BookId, Book>();
  private readonly holds = new Map<OrderId, { readonly hold: StockHold; returned: boolean }>();

  async findBook(id: BookId): Promise<Book | undefined> {
    return this.books.get(id);
  }

  async take(hold: StockHold): Promise<E.Either<BookNotFound | InsufficientStock, void>> {
    if (this.holds.has(hold.orderId)) return E.right(undefined);
    const book = this.books.get(hold.bookId);
    if (!book) return E.left(bookNotFound(hold.bookId));
    if (book.stock < hold.quantity) return E.left(insufficientStock(book.id, hold.quantity, book.stock));
    this.books.set(book.id, { ...book, stock: book.stock - hold.quantity });
    this.holds.set(hold.orderId, { hold, returned: false });
    return E.right(undefined);
  }

  async giveBack(hold: StockHold): Promise<void> {
    const held = this.holds.get(hold.orderId);
    if (!held || held.returned) return;
    held.returned = true;
    const book = this.books.get(held.hold.bookId);
    if (book) this.books.set(book.id, { ...book, stock: book.stock + held.hold.quantity });
  }

  /** True while `orderId` holds stock taken for it. */
  isHolding(orderId: OrderId): boolean {
    const held = this.holds.get(orderId);
    return held !== undefined && !held.returned;
  }

  async seed(books: readonly SeedBook[]): Promise<SeedOutcome> {
    let added = 0;
    for (const book of books) {
      if (this.books.has(book.id)) continue;
      this.books.set(book.id, book);
      added += 1;
    }
    return { added, kept: books.length - added };
  }
}
