import type { ParsedUrlQuery } from 'node:querystring';
import type { FieldError } from './problem-details.js';

export interface PageRule<P> {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  /** The position a cursor stands for; undefined when this service did not issue it. */
  readonly decodeCursor: (cursor: string) => P | undefined;
}

/** `limit` and `cursor` of a list route; undefined, with the reasons added to `errors`, when either is bad. */
export function pageQuery<P>(query: ParsedUrlQuery, errors: FieldError[], rule: PageRule<P>): { limit: number; after?: P } | undefined {
  const before = errors.length;
  if (Array.isArray(query.limit) || Array.isArray(query.cursor)) {
    errors.push({ pointer: 'query', detail: 'limit and cursor may each be given once' });
    return undefined;
  }
  const limit = query.limit ?? String(rule.defaultLimit);
  if (!/^\d{1,3}$/.test(limit) || +limit < 1 || +limit > rule.maxLimit) {
    errors.push({ pointer: 'limit', detail: `must be a whole number from 1 to ${rule.maxLimit}` });
  }
  const after = query.cursor === undefined ? undefined : rule.decodeCursor(query.cursor);
  if (query.cursor !== undefined && after === undefined) errors.push({ pointer: 'cursor', detail: 'is not a cursor this service issued' });
  return errors.length > before ? undefined : { limit: +limit, ...(after === undefined ? {} : { after }) };
}

/** Opaque cursors: base64url of a position's text, refused unless it is exactly what `encodeText` gives. */
export const encodeText = (position: string): string => Buffer.from(position, 'utf8').toString('base64url');

export function decodeText(cursor: string, maxLength = 1024): string | undefined {
  if (cursor.length === 0 || cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return encodeText(text) === cursor ? text : undefined;
}
