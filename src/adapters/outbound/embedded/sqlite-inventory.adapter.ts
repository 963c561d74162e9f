import type { Statement } from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import { bookNotFound, insufficientStock, type BookNotFound, type InsufficientStock } from '../../../domain/order-error.js';
import type { Book, InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface BookRow {
  id: string;
  title: string;
  author: string;
  price_cents: number;
  stock: number;
}

/**
 * Stock in the `books` table and a ledger of holds in `stock_holds`, keyed by order id: a hold row is written in
 * the same transaction as the decrement, and its `returned` flag flips once, in the same transaction as the
 * increment. That ledger is what makes take and give back exactly-once.
 */
export class SqliteInventory implements InventoryPort, CatalogSeeder {
  private readonly selectBook: Statement<[string], BookRow>;
  private readonly selectHold: Statement<[string], { order_id: string }>;
  private readonly decrement: Statement;
  private readonly insertHold: Statement;
  private readonly markReturned: Statement<[string], { book_id: string; quantity: number }>;
  private readonly increment: Statement;
  private readonly insertBookIfMissing: Statement;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.selectBook = db.prepare('SELECT id, title, author, price_cents, stock FROM books WHERE id = ?');
    this.selectHold = db.prepare('SELECT order_id FROM stock_holds WHERE order_id = ?');
    this.decrement = db.prepare('UPDATE books SET stock = stock - ? WHERE id = ? AND stock >= ?');
    this.insertHold = db.prepare('INSERT INTO stock_holds (order_id, book_id, quantity) VALUES (?, ?, ?)');
    this.markReturned = db.prepare(
      'UPDATE stock_holds SET returned = 1 WHERE order_id = ? AND returned = 0 RETURNING book_id, quantity',
    );
    this.increment = db.prepare('UPDATE books SET stock = stock + ? WHERE id = ?');
    this.insertBookIfMissing = db.prepare(
      'INSERT INTO books (id, title, author, price_cents, stock) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
  }

  findBook(id: BookId): Promise<Book | undefined> {
    return this.store.read(() => {
      const row = this.selectBook.get(id);
      return row && toBook(row);
    });
  }

  take(hold: StockHold): Promise<E.Either<BookNotFound | InsufficientStock, void>> {
    return this.store.writeStep(() => {
      if (this.selectHold.get(hold.orderId)) return E.right(undefined);
      const taken = this.decrement.run(hold.quantity, hold.bookId, hold.quantity);
      if (taken.changes === 1) {
        this.insertHold.run(hold.orderId, hold.bookId, hold.quantity);
        return E.right(undefined);
      }
      const book = this.selectBook.get(hold.bookId);
      return E.left(book ? insufficientStock(hold.bookId, hold.quantity, book.stock) : bookNotFound(hold.bookId));
    });
  }

  giveBack(hold: StockHold): Promise<void> {
    return this.store.writeStep(() => {
      const returned = this.markReturned.get(hold.orderId);
      if (returned) this.increment.run(returned.quantity, returned.book_id);
    });
  }

  seed(books: readonly SeedBook[]): Promise<SeedOutcome> {
    return this.store.write(() => {
      const added = books.filter(
        (b) => this.insertBookIfMissing.run(b.id, b.title, b.author, b.price, b.stock).changes === 1,
      ).length;
      return { added, kept: books.length - added };
    });
  }
}

const toBook = (row: BookRow): Book => ({
  id: row.id as BookId,
  title: row.title,
  author: row.author,
  price: row.price_cents as Money,
  stock: row.stock,
});
