import type { Statement } from 'better-sqlite3';
import type { BookId } from '../../../domain/identifiers.js';
import type { Book, InventoryPort } from '../../../domain/ports/inventory.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';
import { BOOK_COLUMNS, toBook, type BookRow } from './sqlite-catalog.adapter.js';
import type { SqliteDatabase } from './sqlite-database.js';


/** The catalog in the `books` table. Stock changes with the orders that hold it (see SqliteStockLedger). */
export class SqliteInventory implements InventoryPort, CatalogSeeder {
  private readonly selectBook: Statement<[string], BookRow>;
  private readonly insertBookIfMissing: Statement;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.selectBook = db.prepare(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = ?`);
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

  seed(books: readonly SeedBook[]): Promise<SeedOutcome> {
    return this.store.write(() => {
      const added = books.filter(
        (b) => this.insertBookIfMissing.run(b.id, b.title, b.author, b.price, b.stock).changes === 1,
      ).length;
      return { added, kept: books.length - added };
    });
  }
}
