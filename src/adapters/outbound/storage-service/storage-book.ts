import { DependencyFailure } from '../../../application/dependency-failure.js';
import { isBookId } from '../../../domain/identifiers.js';
import { moneyFromDecimal } from '../../../domain/money.js';
import type { Book } from '../../../domain/ports/inventory.port.js';
import { STORAGE_SERVICE } from './storage-service-client.js';
import type { WireBook } from './storage-service-wire.js';

/** A storage Book as the domain's Book; a price or stock the domain cannot hold is a fault of the storage data. */
export function toBook(wire: WireBook): Book {
  const price = moneyFromDecimal(wire.price);
  if (!isBookId(wire.id)) throw unreadable(wire, 'its id is not valid');
  if (price === undefined) throw unreadable(wire, `price ${wire.price} is not an amount with at most two decimals`);
  if (!Number.isSafeInteger(wire.quantity) || wire.quantity < 0) throw unreadable(wire, `quantity ${wire.quantity} is not a count`);
  return { id: wire.id, title: wire.title, author: wire.author, price, stock: wire.quantity };
}

const unreadable = (wire: WireBook, why: string) =>
  new DependencyFailure(STORAGE_SERVICE, `book ${JSON.stringify(wire.id)} in the storage service cannot be read: ${why}`);
