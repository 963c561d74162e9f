import type { BookId, UserId } from '../../src/domain/identifiers.js';
import type { Order } from '../../src/domain/order.js';
import type { CatalogPort } from '../../src/domain/ports/catalog.port.js';
import type { InventoryPort } from '../../src/domain/ports/inventory.port.js';
import type { OrderRepository } from '../../src/domain/ports/order-repository.port.js';

const HOLDING = new Set(['confirmed', 'processing', 'shipped', 'delivered']);

/** Every order of these users, all pages. */
export async function allOrders(orders: OrderRepository, users: readonly string[]): Promise<Order[]> {
  const found: Order[] = [];
  for (const user of users) found.push(...(await orders.listByUser(user as UserId, 1_000_000)));
  return found;
}

/** The sum of every adjustment in a book's ledger, all pages. */
export async function adjustedBy(books: CatalogPort | undefined, bookId: BookId): Promise<number> {
  if (!books) return 0;
  let sum = 0;
  let after: { at: Date; id: string } | undefined;
  for (;;) {
    const page = (await books.listAdjustments(bookId, 200, after)) ?? [];
    for (const entry of page) sum += entry.delta;
    if (page.length < 200) return sum;
    after = { at: page[page.length - 1]!.at, id: page[page.length - 1]!.id };
  }
}

/**
 * The stock invariant, once recovery has settled everything: for every book, seeded stock + its adjustments −
 * current stock = the quantities of the orders that hold stock, and no order is left pending.
 */
export async function expectStockInvariant(
  backend: { orders: OrderRepository; inventory: InventoryPort; books?: CatalogPort },
  seeded: Readonly<Record<string, number>>,
  users: readonly string[],
): Promise<void> {
  const orders = await allOrders(backend.orders, users);
  expect(orders.filter((o) => o.status === 'pending').map((o) => o.id)).toEqual([]);
  for (const [bookId, stock] of Object.entries(seeded)) {
    const current = (await backend.inventory.findBook(bookId as BookId))!.stock;
    const adjusted = await adjustedBy(backend.books, bookId as BookId);
    const held = orders.filter((o) => o.bookId === bookId && HOLDING.has(o.status)).reduce((sum, o) => sum + o.quantity, 0);
    expect({ bookId, taken: stock + adjusted - current }).toEqual({ bookId, taken: held });
  }
}
