/** Identifiers are opaque strings: 1 to 128 characters, no control characters, not blank. */
export type OrderId = string & { readonly OrderId: unique symbol };
export type BookId = string & { readonly BookId: unique symbol };
export type UserId = string & { readonly UserId: unique symbol };

export const MAX_ID_LENGTH = 128;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const isIdentifier = (value: string): boolean =>
  value.length >= 1 && value.length <= MAX_ID_LENGTH && value.trim() !== '' && !CONTROL_CHARACTERS.test(value);

export const isOrderId = (value: string): value is OrderId => isIdentifier(value);
export const isBookId = (value: string): value is BookId => isIdentifier(value);
export const isUserId = (value: string): value is UserId => isIdentifier(value);

export const IDENTIFIER_RULE = `1 to ${MAX_ID_LENGTH} characters, not blank, no control characters`;
