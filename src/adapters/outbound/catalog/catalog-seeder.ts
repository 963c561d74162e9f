import type { Book } from '../../../domain/ports/inventory.port.js';

export type SeedBook = Book;

export interface SeedOutcome {
  readonly added: number;
  /** Books that already existed: their stock was left as it is, so a restart never undoes sales. */
  readonly kept: number;
}

/** A backend that can be given a starting catalog: adds the missing books and never touches existing ones. */
export interface CatalogSeeder {
  seed(books: readonly SeedBook[]): Promise<SeedOutcome>;
}
