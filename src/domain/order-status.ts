export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'rejected',
  'expired',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The whole lifecycle in one table: the statuses each status may move to. An empty list means final. */
const NEXT: { readonly [S in OrderStatus]: readonly OrderStatus[] } = {
  pending: ['confirmed', 'rejected', 'cancelled', 'expired'],
  confirmed: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export const isOrderStatus = (value: string): value is OrderStatus =>
  (ORDER_STATUSES as readonly string[]).includes(value);

export const allowedNextStatuses = (from: OrderStatus): readonly OrderStatus[] => NEXT[from];

export const canMove = (from: OrderStatus, to: OrderStatus): boolean => NEXT[from].includes(to);

export const isFinal = (status: OrderStatus): boolean => NEXT[status].length === 0;

/** Statuses in which an order may not hold stock: reaching one of them gives back whatever the order took. */
export const releasesStock = (status: OrderStatus): boolean =>
  status === 'cancelled' || status === 'rejected' || status === 'expired';

/**
 * Statuses in which an order holds its stock: from confirmation on, until it is released. A pending order holds
 * none yet. Stores keep each order's stock in line with this.
 */
export const holdsStock = (status: OrderStatus): boolean => status !== 'pending' && !releasesStock(status);
