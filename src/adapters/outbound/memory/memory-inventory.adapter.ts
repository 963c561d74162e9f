import type { BookId, OrderId } from '../../../domain/identifiers.js';
import { bookNotFound, insufficientStock } from '../../../domain/order-error.js';
import type { Book, InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import type { StockRefusal } from '../../../domain/ports/order-repository.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';

/**
 * Stock in a Map with a ledger of holds by order id, which is what makes taking and giving back exactly-once. The
 * memory order repository changes it in the same synchronous step as the order it stores.
 */
export class MemoryInventory implements InventoryPort, CatalogSeeder {
  private readonly books = new Map<BookId, Book>();
  private readonly holds = new Map<OrderId, { readonly hold: StockHold; returned: boolean }>();

  async findBook(id: BookId): Promise<Book | undefined> {
    return this.books.get(id);
  }

  /** Why `hold` cannot be taken now, if it cannot. */
  refusal(hold: StockHold): StockRefusal | undefined {
    const book = this.books.get(hold.bookId);
    if (!book) return bookNotFound(hold.bookId);
    return book.stock < hold.quantity ? insufficientStock(book.id, hold.quantity, book.stock) : undefined;
  }

  /** Takes the hold (checked with `refusal` first), unless this order ever took before. */
  take(hold: StockHold): void {
    if (this.holds.has(hold.orderId)) return;
    const book = this.books.get(hold.bookId)!;
    this.books.set(book.id, { ...book, stock: book.stock - hold.quantity });
    this.holds.set(hold.orderId, { hold, returned: false });
  }

  giveBack(orderId: OrderId): void {
    const held = this.holds.get(orderId);
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

  /** True once `orderId` has ever taken stock, given back or not. */
  hasTaken(orderId: OrderId): boolean {
    return this.holds.has(orderId);
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
