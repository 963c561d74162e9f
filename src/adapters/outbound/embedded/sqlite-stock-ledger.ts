import type { Statement } from 'better-sqlite3';
import { bookNotFound, insufficientStock } from '../../../domain/order-error.js';
import type { Order } from '../../../domain/order.js';
import type { StockRefusal } from '../../../domain/ports/order-repository.port.js';
import { stockMoveFor } from '../stock-follows-status.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Stock in the `books` table and a ledger of holds in `stock_holds`, keyed by order id: a hold row is written with
 * the decrement, and its `returned` flag flips once, with the increment. Called inside the write that stores the
 * order, so order and stock commit together; the ledger is what makes taking and giving back exactly-once.
 */
export class SqliteStockLedger {
  private readonly selectHold: Statement<[string], { returned: number }>;
  private readonly selectStock: Statement<[string], { stock: number }>;
  private readonly decrement: Statement;
  private readonly insertHold: Statement;
  private readonly markReturned: Statement<[string], { book_id: string; quantity: number }>;
  private readonly increment: Statement;

  constructor(store: SqliteDatabase) {
    const db = store.db;
    this.selectHold = db.prepare('SELECT returned FROM stock_holds WHERE order_id = ?');
    this.selectStock = db.prepare('SELECT stock FROM books WHERE id = ?');
    this.decrement = db.prepare('UPDATE books SET stock = stock - ? WHERE id = ? AND stock >= ?');
    this.insertHold = db.prepare('INSERT INTO stock_holds (order_id, book_id, quantity) VALUES (?, ?, ?)');
    this.markReturned = db.prepare(
      'UPDATE stock_holds SET returned = 1 WHERE order_id = ? AND returned = 0 RETURNING book_id, quantity',
    );
    this.increment = db.prepare('UPDATE books SET stock = stock + ? WHERE id = ?');
  }

  /** Brings the order's stock in line with its status; the refusal, having changed nothing, when it cannot take. */
  follow(order: Order): StockRefusal | undefined {
    const found = this.selectHold.get(order.id);
    const move = stockMoveFor(order.status, found === undefined ? 'none' : found.returned ? 'returned' : 'held');
    if (move === 'give-back') {
      const returned = this.markReturned.get(order.id)!;
      this.increment.run(returned.quantity, returned.book_id);
    }
    if (move !== 'take') return undefined;
    if (this.decrement.run(order.quantity, order.bookId, order.quantity).changes === 1) {
      this.insertHold.run(order.id, order.bookId, order.quantity);
      return undefined;
    }
    const book = this.selectStock.get(order.bookId);
    return book ? insufficientStock(order.bookId, order.quantity, book.stock) : bookNotFound(order.bookId);
  }
}
