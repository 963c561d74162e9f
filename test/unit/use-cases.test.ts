import * as E from 'fp-ts/lib/Either.js';
import { ChangeOrderStatus } from '../../src/application/change-order-status.use-case.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import { ListUserOrders } from '../../src/application/list-user-orders.use-case.js';
import { PlaceOrder } from '../../src/application/place-order.use-case.js';
import { MemoryInventory } from '../../src/adapters/outbound/memory/memory-inventory.adapter.js';
import { MemoryOrderRepository } from '../../src/adapters/outbound/memory/memory-order-repository.adapter.js';
import type { Order } from '../../src/domain/order.js';
import type { InsufficientStock } from '../../src/domain/order-error.js';
import { FixedClock, SequentialOrderIds, aBook, bookId, orderId, qty, userId } from '../support/order-mother.js';

async function setUp(stock = 10) {
  const inventory = new MemoryInventory();
  const orders = new MemoryOrderRepository(inventory);
  await inventory.seed([aBook({ id: bookId('b1'), stock })]);
  const clock = new FixedClock();
  const ids = new SequentialOrderIds();
  return {
    orders,
    inventory,
    clock,
    place: new PlaceOrder(orders, inventory, clock, ids),
    change: new ChangeOrderStatus(orders, clock),
    list: new ListUserOrders(orders),
    stock: async () => (await inventory.findBook(bookId('b1')))!.stock,
  };
}

const order = { bookId: bookId('b1'), userId: userId('u1'), quantity: qty(3) };
const placed = (result: E.Either<unknown, Order>) => (result as E.Right<Order>).right;

describe('placing an order', () => {
  it('records it confirmed at the book\'s price and takes its stock', async () => {
    const s = await setUp();
    const result = await s.place.execute(order);
    expect(placed(result).toSnapshot()).toMatchObject({
      id: 'order-000001', status: 'confirmed', unitPrice: 1010, total: 3030, version: 2,
    });
    expect(await s.stock()).toBe(7);
  });

  it('refuses an unknown book and records nothing', async () => {
    const s = await setUp();
    const result = await s.place.execute({ ...order, bookId: bookId('ghost') });
    expect(E.isLeft(result) && result.left).toEqual({ _tag: 'BookNotFound', bookId: 'ghost' });
    expect(await s.orders.listByUser(userId('u1'), 10)).toEqual([]);
  });

  it('refuses when stock is short, records nothing and takes nothing', async () => {
    const s = await setUp(2);
    const result = await s.place.execute(order);
    expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'InsufficientStock', requested: 3, available: 2 });
    expect(await s.stock()).toBe(2);
    expect(await s.orders.listByUser(userId('u1'), 10)).toEqual([]);
  });

  it('rejects the order that loses a race for the last copies, and says which order it was', async () => {
    const s = await setUp(4);
    const [a, b] = await Promise.all([s.place.execute(order), s.place.execute(order)]);
    const lost = [a, b].find(E.isLeft)!;
    expect(lost.left).toMatchObject({ _tag: 'InsufficientStock', orderId: expect.any(String) });
    const rejected = await s.orders.findById((lost.left as InsufficientStock).orderId!);
    expect(rejected!.status).toBe('rejected');
    expect(await s.stock()).toBe(1);
  });

  it('never oversells: 30 concurrent single-copy orders against stock 7', async () => {
    const s = await setUp(7);
    const results = await Promise.all(Array.from({ length: 30 }, () => s.place.execute({ ...order, quantity: qty(1) })));
    expect(results.filter(E.isRight)).toHaveLength(7);
    expect(await s.stock()).toBe(0);
  });

  it('names the order in a store failure, so the client can look it up before retrying', async () => {
    const s = await setUp();
    s.orders.place = () => Promise.reject(new DependencyFailure('test-store', 'timed out', { outcomeUnknown: true }));
    const failure = await s.place.execute(order).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyFailure);
    expect((failure as DependencyFailure).options).toMatchObject({ outcomeUnknown: true, orderId: 'order-000001' });
  });
});

describe('changing an order\'s status', () => {
  it('moves along the table and refuses what the table lacks', async () => {
    const s = await setUp();
    const { id } = placed(await s.place.execute(order));
    expect(placed(await s.change.execute({ orderId: id, status: 'processing' })).status).toBe('processing');
    const refused = await s.change.execute({ orderId: id, status: 'delivered' });
    expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: 'IllegalTransition', from: 'processing', to: 'delivered' });
    expect((await s.orders.findById(id))!.status).toBe('processing');
  });

  it('gives stock back exactly once however often, and however concurrently, it is cancelled', async () => {
    const s = await setUp();
    const { id } = placed(await s.place.execute(order));
    await Promise.all(Array.from({ length: 5 }, () => s.change.execute({ orderId: id, status: 'cancelled' })));
    await s.change.execute({ orderId: id, status: 'cancelled' });
    expect(await s.stock()).toBe(10);
  });

  it('keeps the stock of shipped and delivered orders', async () => {
    const s = await setUp();
    const { id } = placed(await s.place.execute(order));
    for (const status of ['processing', 'shipped', 'delivered'] as const) await s.change.execute({ orderId: id, status });
    expect(await s.stock()).toBe(7);
  });

  it('refuses a change based on a stale version and changes nothing', async () => {
    const s = await setUp();
    const { id } = placed(await s.place.execute(order));
    const refused = await s.change.execute({ orderId: id, status: 'cancelled', expectedVersion: 1 });
    expect(E.isLeft(refused) && refused.left).toEqual({ _tag: 'VersionMismatch', orderId: id, expected: 1, actual: 2 });
    expect(await s.stock()).toBe(7);
  });

  it('takes the stock of a pending order an operator confirms, and refuses when there is not enough', async () => {
    const s = await setUp(5);
    const { Order } = await import('../../src/domain/order.js');
    const pending = (quantity: number) => Order.create({
      id: orderId(`manual-${quantity}`), bookId: bookId('b1'), userId: userId('u1'), quantity: qty(quantity), unitPrice: 1010 as never, now: s.clock.now(),
    });
    for (const quantity of [4, 3]) await s.orders.place(pending(quantity), () => pending(quantity));
    expect(placed(await s.change.execute({ orderId: orderId('manual-4'), status: 'confirmed' })).status).toBe('confirmed');
    expect(await s.stock()).toBe(1);
    const refused = await s.change.execute({ orderId: orderId('manual-3'), status: 'confirmed' });
    expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: 'InsufficientStock', available: 1 });
    expect((await s.orders.findById(orderId('manual-3')))!.status).toBe('pending');
    expect(await s.stock()).toBe(1);
  });

  it('answers OrderNotFound for an unknown order', async () => {
    const s = await setUp();
    const result = await s.change.execute({ orderId: orderId('nope'), status: 'cancelled' });
    expect(E.isLeft(result) && result.left._tag).toBe('OrderNotFound');
  });
});

describe('listing a user\'s orders', () => {
  it('pages newest first without repeating or skipping, while new orders arrive', async () => {
    const s = await setUp(100);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(placed(await s.place.execute({ ...order, quantity: qty(1) })).id);
      s.clock.advance(1000);
    }
    const page1 = await s.list.execute({ userId: userId('u1'), limit: 2 });
    await s.place.execute({ ...order, quantity: qty(1) }); // arrives between pages, lands on page "0"
    const page2 = await s.list.execute({ userId: userId('u1'), limit: 2, after: page1.next! });
    const page3 = await s.list.execute({ userId: userId('u1'), limit: 2, after: page2.next! });
    const seen = [...page1.orders, ...page2.orders, ...page3.orders].map((o) => o.id);
    expect(seen).toEqual([...ids].reverse());
    expect(page3.next).toBeUndefined();
  });
});
