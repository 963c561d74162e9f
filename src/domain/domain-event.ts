import type { StockAdjusted } from './book-catalog.js';
import type { OrderChanged } from './order-event.js';

/** Everything the service announces; stores record each in the write that makes it true. */
export type DomainEvent = OrderChanged | StockAdjusted;
