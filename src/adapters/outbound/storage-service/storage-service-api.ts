import * as E from 'fp-ts/lib/Either.js';
import type { StorageServiceClient } from './storage-service-client.js';
import * as t from 'io-ts';
import { answers, json, mapped, message, WireBook, WireBookRecord, WireOrder, WireOrderList, WireStock } from './storage-service-wire.js';

const isStock = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * The storage service's routes, exactly as the wire document describes them: ids go in the query string through
 * URLSearchParams, updates answer 201, "not found" on an update is a 400 with its own text. Nothing else in the
 * adapter knows a path or a status code.
 */
export class StorageServiceApi {
  constructor(private readonly client: StorageServiceClient) {}

  getBook(id: string): Promise<WireBookRecord | undefined> {
    return this.client.call(
      { method: 'GET', path: '/internal/books/get', query: { id } },
      answers<WireBookRecord | undefined>({
        200: json(WireBookRecord, (b) => (b.id !== id ? `asked for book ${id}, got ${b.id}` : undefined)),
        404: message('Book not found', undefined),
      }),
    );
  }

  /** Every book, in no particular order. */
  listBooks(): Promise<readonly WireBook[]> {
    return this.client.call({ method: 'GET', path: '/internal/books/list' }, answers({ 200: json(t.array(WireBook)) }));
  }

  /** An upsert on the storage side: callers make sure the id is free first. */
  addBook(book: WireBookRecord): Promise<void> {
    return this.client.call(
      { method: 'POST', path: '/internal/books/add', body: book },
      answers({ 201: mapped(json(WireBook, (b) => (b.id !== book.id || b.quantity !== book.quantity ? `added ${book.id}, got back ${b.id}` : undefined)), () => undefined) }),
    );
  }

  /** Replaces the whole record, quantity included; false when there is no such book. */
  updateBook(book: WireBookRecord): Promise<boolean> {
    return this.client.call(
      { method: 'PUT', path: '/internal/books/update', body: book },
      answers<boolean>({
        201: mapped(json(WireBook, (b) => (b.id !== book.id || b.quantity !== book.quantity ? `updated ${book.id}, got back ${b.id}` : undefined)), () => true),
        400: message('book not found', false),
      }),
    );
  }

  /** Copies on hand, or undefined when there is no such book. */
  getStock(id: string): Promise<number | undefined> {
    return this.client.call(
      { method: 'GET', path: '/internal/books/quantity', query: { id } },
      answers<number | undefined>({
        200: mapped(json(WireStock, (s) => (isStock(s.quantity) ? undefined : `stock ${s.quantity} is not a count`)), (s) => s.quantity),
        404: message('Book not found', undefined),
      }),
    );
  }

  /** Sets the stock to an absolute value; false when there is no such book. */
  setStock(bookId: string, quantity: number): Promise<boolean> {
    return this.client.call(
      { method: 'PUT', path: '/internal/books/update-quantity', body: { book_id: bookId, quantity } },
      answers<boolean>({
        201: mapped(json(WireBook, (b) =>
          b.id !== bookId || b.quantity !== quantity ? `wrote ${bookId}=${quantity}, got back ${b.id}=${b.quantity}` : undefined), () => true),
        400: message('book not found', false),
      }),
    );
  }

  getOrder(id: string): Promise<WireOrder | undefined> {
    return this.client.call(
      { method: 'GET', path: '/internal/orders/get', query: { id } },
      answers<WireOrder | undefined>({
        200: json(WireOrder, (o) => (o.id !== id ? `asked for order ${id}, got ${o.id}` : undefined)),
        404: message('Order not found', undefined),
      }),
    );
  }

  /** Every order the storage service holds, each still to be decoded. */
  listOrders(): Promise<readonly unknown[]> {
    return this.client.call(
      { method: 'GET', path: '/internal/orders/list' },
      answers({ 200: mapped(json(WireOrderList), (list) => list.orders) }),
    );
  }

  /** An upsert on the storage side: callers make sure the id is free first. */
  addOrder(order: WireOrder): Promise<WireOrder> {
    return this.client.call(
      { method: 'POST', path: '/internal/orders/add', body: order },
      answers({ 201: json(WireOrder, (o) => (o.id !== order.id ? `added ${order.id}, got back ${o.id}` : undefined)) }),
    );
  }

  /** The order as stored after the change, or undefined when there is no such order. */
  setOrderStatus(id: string, status: string): Promise<WireOrder | undefined> {
    return this.client.call(
      { method: 'PUT', path: '/internal/orders/update-status', body: { order_id: id, status } },
      answers<WireOrder | undefined>({
        201: json(WireOrder, (o) => (o.id !== id || o.status !== status ? `set ${id} to ${status}, got back ${o.id} ${o.status}` : undefined)),
        400: message('order not found', undefined),
      }),
    );
  }

  ready(): Promise<void> {
    return this.client.call({ method: 'GET', path: '/health/ready' }, answers({ 200: () => E.right(undefined) }), { probe: true });
  }
}
