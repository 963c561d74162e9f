import type { ChangeOrderStatus } from '../../../application/change-order-status.use-case.js';
import type { GetOrder } from '../../../application/get-order.use-case.js';
import type { AdjustStock, GetBook, ListBooks, ListStockAdjustments, PutBook } from '../../../application/manage-books.use-case.js';
import type { ListOrderQueue } from '../../../application/list-order-queue.use-case.js';
import type { ListUserOrders } from '../../../application/list-user-orders.use-case.js';
import type { PlaceOrder } from '../../../application/place-order.use-case.js';
import type { ReadEvents } from '../../../application/read-events.use-case.js';
import type { SettleOrders } from '../../../application/settle-orders.use-case.js';

/** What the HTTP adapter drives: the use cases, nothing else of the application. */
export interface OrderUseCases {
  readonly placeOrder: PlaceOrder;
  readonly getOrder: GetOrder;
  readonly listUserOrders: ListUserOrders;
  readonly listOrderQueue: ListOrderQueue;
  readonly changeOrderStatus: ChangeOrderStatus;
  readonly readEvents: ReadEvents;
  /** Absent when the storage backend cannot answer recovery's queries. */
  readonly settleOrders?: SettleOrders;
  /** Absent when the storage backend does not let this service manage the catalog. */
  readonly books?: BookUseCases;
}

/** The catalog's use cases, on backends that own the catalog and its stock. */
export interface BookUseCases {
  readonly listBooks: ListBooks;
  readonly getBook: GetBook;
  readonly putBook: PutBook;
  readonly adjustStock: AdjustStock;
  readonly listStockAdjustments: ListStockAdjustments;
}

/** What the health routes need to know about the process and its storage backend. */
export interface ServiceHealth {
  isStarted(): boolean;
  isShuttingDown(): boolean;
  /** Resolves when the storage backend answers; rejects (or times out) otherwise. */
  checkBackend(): Promise<void>;
}

/** What is logged of every answered request, once it is answered. */
export interface RequestLine {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
}

/** The slice of a pino logger the HTTP adapter uses. */
export interface RequestLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** The line of one answered request, as `info(line, 'request')` would write it; that is used when absent. */
  request?(line: RequestLine): void;
}
