import * as E from 'fp-ts/lib/Either.js';
import type { OrderId } from '../domain/identifiers.js';
import type { Order } from '../domain/order.js';
import { orderNotFound, type OrderError } from '../domain/order-error.js';
import type { OrderRepository } from '../domain/ports/order-repository.port.js';

export class GetOrder {
  constructor(private readonly orders: OrderRepository) {}

  async execute(id: OrderId): Promise<E.Either<OrderError, Order>> {
    const order = await this.orders.findById(id);
    return order ? E.right(order) : E.left(orderNotFound(id));
  }
}
