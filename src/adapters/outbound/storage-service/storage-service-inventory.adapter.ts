import type { BookId } from '../../../domain/identifiers.js';
import type { Book, InventoryPort } from '../../../domain/ports/inventory.port.js';
import type { StockSightings } from './stock-sightings.js';
import { toBook } from './storage-book.js';
import type { StorageServiceApi } from './storage-service-api.js';

/**
 * The storage service's books. Each read is handed to the sightings, so the order placed right after it takes its
 * stock without reading it again, and the orders for the same book in the next FRESH_STOCK_MS find it there (see
 * StockSightings): their price is the book's as read within that window.
 */
export class StorageServiceInventory implements InventoryPort {
  constructor(private readonly api: StorageServiceApi, private readonly sightings: StockSightings) {}

  async findBook(id: BookId): Promise<Book | undefined> {
    const seen = this.sightings.freshBook(id);
    if (seen) return seen;
    const glance = this.sightings.glance(id);
    const wire = await this.api.getBook(id);
    if (!wire) return undefined;
    const book = toBook(wire);
    this.sightings.saw(glance, book.stock, book);
    return book;
  }
}
