import { holdsStock, type OrderStatus } from '../../domain/order-status.js';

/** Where an order stands with its stock in a store's ledger of holds: never took, holds it, or gave it back. */
export type HoldState = 'none' | 'held' | 'returned';

export type StockMove = 'take' | 'give-back' | 'none';

/**
 * What a store must do to an order's stock, in the write that stores `status`, for the two to agree: take once
 * (never again after a give-back), give back once. The domain says which statuses hold stock.
 */
export const stockMoveFor = (status: OrderStatus, hold: HoldState): StockMove => {
  if (holdsStock(status)) return hold === 'none' ? 'take' : 'none';
  return hold === 'held' ? 'give-back' : 'none';
};
