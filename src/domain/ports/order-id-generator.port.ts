import type { OrderId } from '../identifiers.js';

/** Produces ids that never collide and sort by creation time. */
export interface OrderIdGenerator {
  next(): OrderId;
}
