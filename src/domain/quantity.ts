/** How many copies one order asks for: a whole number from 1 to MAX_QUANTITY. */
export type Quantity = number & { readonly Quantity: unique symbol };

export const MAX_QUANTITY = 1000;

export const isQuantity = (value: number): value is Quantity =>
  Number.isInteger(value) && value >= 1 && value <= MAX_QUANTITY;

export const QUANTITY_RULE = `a whole number from 1 to ${MAX_QUANTITY}`;
