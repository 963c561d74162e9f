import * as E from 'fp-ts/lib/Either.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import { bookNotFound, insufficientStock, type BookNotFound, type InsufficientStock } from '../../../domain/order-error.js';
import type { Book, InventoryPort, StockHold } from '../../../domain/ports/inventory.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';
import type { PostgresDatabase } from './postgres-database.js';

interface BookRow {
  id: string;
  title: string;
  author: string;
  price_cents: string;
  stock: number;
}

/**
 * Stock in `books` and a ledger of holds in `stock_holds`, keyed by order id, as in the embedded store. Each
 * change to stock and its ledger row share one transaction, and every step is a conditional statement that the
 * row locks serialise, so no interleaving of replicas can oversell, take twice or give back twice.
 */
export class PostgresInventory implements InventoryPort, CatalogSeeder {
  constructor(private readonly db: PostgresDatabase) {}

  async findBook(id: BookId): Promise<Book | undefined> {
    const { rows } = await this.db.query<BookRow>('SELECT id, title, author, price_cents, stock FROM books WHERE id = $1', [id]);
    return rows[0] && toBook(rows[0]);
  }

  take(hold: StockHold): Promise<E.Either<BookNotFound | InsufficientStock, void>> {
    return this.db.transaction(async (sql) => {
      // Claiming the order id first makes a second take for the same order wait for the first, then do nothing.
      const claimed = await sql.query(
        'INSERT INTO stock_holds (order_id, book_id, quantity) VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING',
        [hold.orderId, hold.bookId, hold.quantity],
      );
      if (claimed.rowCount === 0) return E.right(undefined);
      const taken = await sql.query('UPDATE books SET stock = stock - $1 WHERE id = $2 AND stock >= $1', [hold.quantity, hold.bookId]);
      if (taken.rowCount === 1) return E.right(undefined);
      const { rows } = await sql.query<{ stock: number }>('SELECT stock FROM books WHERE id = $1', [hold.bookId]);
      return E.left(rows[0] ? insufficientStock(hold.bookId, hold.quantity, rows[0].stock) : bookNotFound(hold.bookId));
    }, E.isRight);
  }

  async giveBack(hold: StockHold): Promise<void> {
    await this.db.transaction(async (sql) => {
      // Only one transaction can flip the flag: a concurrent one waits on the row, then finds it already set.
      const { rows } = await sql.query<{ book_id: string; quantity: number }>(
        'UPDATE stock_holds SET returned = 1 WHERE order_id = $1 AND returned = 0 RETURNING book_id, quantity',
        [hold.orderId],
      );
      const returned = rows[0];
      if (returned) await sql.query('UPDATE books SET stock = stock + $1 WHERE id = $2', [returned.quantity, returned.book_id]);
    });
  }

  async seed(books: readonly SeedBook[]): Promise<SeedOutcome> {
    const { rowCount } = await this.db.transaction((sql) =>
      sql.query(
        `INSERT INTO books (id, title, author, price_cents, stock)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[])
         ON CONFLICT (id) DO NOTHING`,
        [books.map((b) => b.id), books.map((b) => b.title), books.map((b) => b.author),
          books.map((b) => b.price), books.map((b) => b.stock)],
      ),
    );
    const added = rowCount ?? 0;
    return { added, kept: books.length - added };
  }
}

const toBook = (row: BookRow): Book => ({
  id: row.id as BookId,
  title: row.title,
  author: row.author,
  price: Number(row.price_cents) as Money,
  stock: row.stock,
});
