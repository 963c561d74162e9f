import type { BookId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import type { Book, InventoryPort } from '../../../domain/ports/inventory.port.js';
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
 * The catalog in `books`. Stock changes only in the transactions that write the orders holding it, through the
 * order repository.
 */
export class PostgresInventory implements InventoryPort, CatalogSeeder {
  constructor(private readonly db: PostgresDatabase) {}

  async findBook(id: BookId): Promise<Book | undefined> {
    const { rows } = await this.db.query<BookRow>('SELECT id, title, author, price_cents, stock FROM books WHERE id = $1', [id]);
    return rows[0] && toBook(rows[0]);
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
