import type { CatalogBook } from '../../../domain/book-catalog.js';
import type { BookId } from '../../../domain/identifiers.js';
import type { Money } from '../../../domain/money.js';
import type { InventoryPort } from '../../../domain/ports/inventory.port.js';
import type { CatalogSeeder, SeedBook, SeedOutcome } from '../catalog/catalog-seeder.js';
import { BatchedReads } from './batched-reads.js';
import type { PostgresDatabase } from './postgres-database.js';

export const BOOK_COLUMNS = 'id, title, author, price_cents, stock, version';

export interface BookRow {
  id: string;
  title: string;
  author: string;
  price_cents: string;
  stock: number;
  version: number;
}

/**
 * The catalog in `books`. Stock changes only in the transactions that write the orders holding it, through the
 * order repository, and in stock adjustments (see PostgresCatalog).
 *
 * The books asked for in one turn of the event loop are read with one statement (BatchedReads): under load every
 * placement reads its book first, and one query per placement took pool connections the placement batches were
 * waiting for.
 */
export class PostgresInventory implements InventoryPort, CatalogSeeder {
  private readonly books: BatchedReads<string, CatalogBook>;

  constructor(private readonly db: PostgresDatabase) {
    this.books = new BatchedReads(async (ids) => {
      const { rows } = await db.query<BookRow>(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = ANY($1::text[])`, [ids]);
      return new Map(rows.map((row) => [row.id, toCatalogBook(row)]));
    });
  }

  findBook(id: BookId): Promise<CatalogBook | undefined> {
    return this.books.get(id);
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

export const toCatalogBook = (row: BookRow): CatalogBook => ({
  id: row.id as BookId,
  title: row.title,
  author: row.author,
  price: Number(row.price_cents) as Money,
  stock: row.stock,
  version: row.version,
});
