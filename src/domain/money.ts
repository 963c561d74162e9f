/**
 * An amount in integer minor units (cents). Prices arrive as decimal numbers (10.10); keeping cents as integers
 * makes every sum and product exact (3 × 10.10 = 30.30), and converting back happens only at the edges.
 */
export type Money = number & { readonly Money: unique symbol };

/** The largest unit price accepted, in cents: keeps price × quantity far inside the safe integer range. */
export const MAX_PRICE_CENTS = 1_000_000_000;

export const moneyFromCents = (cents: number): Money | undefined =>
  Number.isSafeInteger(cents) && cents >= 0 && cents <= MAX_PRICE_CENTS * 10_000 ? (cents as Money) : undefined;

/** Reads a price written in currency units with at most two decimals (10.5, 10.10); anything else is refused. */
export const moneyFromDecimal = (amount: number): Money | undefined => {
  if (!Number.isFinite(amount) || amount < 0) return undefined;
  const cents = Math.round(amount * 100);
  if (Math.abs(amount * 100 - cents) > 1e-6 || cents > MAX_PRICE_CENTS) return undefined;
  return cents as Money;
};

export const multiply = (price: Money, factor: number): Money => (price * factor) as Money;

/** The amount in currency units; cents / 100 is the double nearest the decimal, so it prints as 30.3, never 30.299999999999997. */
export const toDecimal = (amount: Money): number => amount / 100;
