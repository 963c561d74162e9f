import * as E from 'fp-ts/lib/Either.js';
import { decideAdjustment, decideBookPut, stockAdjusted, type AdjustmentPosition, type AdjustmentRefusal, type CatalogBook, type StockAdjustment } from '../../../domain/book-catalog.js';
import type { BookId, OrderId } from '../../../domain/identifiers.js';
import { bookNotFound, insufficientStock } from '../../../domain/order-error.js';
import type { BookPut, CatalogPort, PutBookOutcome, StockAdjustmentRequest } from '../../../domain/ports/catalog.port.js';
import type { InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import type { StockRefusal } from '../../../domain/ports/order-repository.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';
import { newestAdjustmentFirst } from '../catalog/adjustment-order.js';
import type { MemoryEventLog } from './memory-event-log.adapter.js';

/**
 * Stock in a Map with a ledger of holds by order id, which is what makes taking and giving back exactly-once. The
 * memory order repository changes it in the same synchronous step as the order it stores; an adjustment changes
 * it, its ledger and its event in one synchronous step too.
 */
export class MemoryInventory implements InventoryPort, CatalogPort, CatalogSeeder {
  private readonly books = new Map<BookId, CatalogBook>();
  private readonly holds = new Map<OrderId, { readonly hold: StockHold; returned: boolean }>();
  /** Each book's adjustments, oldest first. */
  private readonly ledger = new Map<BookId, StockAdjustment[]>();

  constructor(private readonly events?: MemoryEventLog) {}

  async findBook(id: BookId): Promise<CatalogBook | undefined> {
    return this.books.get(id);
  }

  async getBook(id: BookId): Promise<CatalogBook | undefined> {
    return this.books.get(id);
  }

  async listBooks(limit: number, after?: BookId): Promise<readonly CatalogBook[]> {
    return [...this.books.values()]
      .filter((book) => after === undefined || book.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
  }

  async putBook(put: BookPut): Promise<PutBookOutcome> {
    const outcome = decideBookPut(this.books.get(put.id), put);
    if (outcome.kind === 'created' || outcome.kind === 'replaced') this.books.set(put.id, outcome.book);
    return outcome;
  }

  async adjustStock(request: StockAdjustmentRequest): Promise<E.Either<AdjustmentRefusal, StockAdjustment>> {
    const book = this.books.get(request.bookId);
    if (!book) return E.left(bookNotFound(request.bookId));
    const decided = decideAdjustment(book.stock, request);
    if (E.isLeft(decided)) return decided;
    const adjustment = decided.right;
    this.books.set(book.id, { ...book, stock: adjustment.stock });
    let entries = this.ledger.get(book.id);
    if (!entries) this.ledger.set(book.id, (entries = []));
    entries.push(adjustment);
    this.events?.record(stockAdjusted(adjustment));
    return decided;
  }

  async listAdjustments(bookId: BookId, limit: number, after?: AdjustmentPosition): Promise<readonly StockAdjustment[] | undefined> {
    if (!this.books.has(bookId)) return undefined;
    return [...(this.ledger.get(bookId) ?? [])]
      .sort(newestAdjustmentFirst)
      .filter((entry) => !after || newestAdjustmentFirst(after, entry) < 0)
      .slice(0, limit);
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
      this.books.set(book.id, { ...book, version: 1 });
      added += 1;
    }
    return { added, kept: books.length - added };
  }
}
