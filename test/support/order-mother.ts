import type { BookId, OrderId, UserId } from '../../src/domain/identifiers.js';
import { moneyFromCents, type Money } from '../../src/domain/money.js';
import { Order, type NewOrder } from '../../src/domain/order.js';
import type { Clock } from '../../src/domain/ports/clock.port.js';
import type { OrderIdGenerator } from '../../src/domain/ports/order-id-generator.port.js';
import type { SeedBook } from '../../src/adapters/outbound/catalog/catalog-seeder.js';
import type { Quantity } from '../../src/domain/quantity.js';

export const bookId = (id: string) => id as BookId;
export const userId = (id: string) => id as UserId;
export const orderId = (id: string) => id as OrderId;
export const qty = (n: number) => n as Quantity;
export const cents = (n: number) => moneyFromCents(n) as Money;

/** A clock tests move by hand. */
export class FixedClock implements Clock {
  constructor(private current = new Date('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Ids that sort in the order they were made: order-000001, order-000002, … */
export class SequentialOrderIds implements OrderIdGenerator {
  private n = 0;
  constructor(private readonly prefix = 'order') {}
  next(): OrderId {
    this.n += 1;
    return `${this.prefix}-${String(this.n).padStart(6, '0')}` as OrderId;
  }
}

let made = 0;
/** A valid pending order; override any field. */
export const anOrder = (overrides: Partial<NewOrder> = {}): Order => {
  made += 1;
  return Order.create({
    id: orderId(`o-${String(made).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`),
    bookId: bookId('b1'),
    userId: userId('u1'),
    quantity: qty(2),
    unitPrice: cents(1010),
    now: new Date('2026-11-22T10:00:00.000Z'),
    ...overrides,
  });
};

export const aBook = (overrides: Partial<SeedBook> = {}): SeedBook => ({
  id: bookId('b1'),
  title: 'A Book',
  author: 'An Author',
  price: cents(1010),
  stock: 10,
  ...overrides,
});
