import type { AdjustmentPosition } from '../../../domain/book-catalog.js';

/** A book's ledger, newest first; adjustments made in the same millisecond are ordered by id, descending. */
export const newestAdjustmentFirst = (a: AdjustmentPosition, b: AdjustmentPosition): number =>
  b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
