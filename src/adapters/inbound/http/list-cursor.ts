import { isOrderId } from '../../../domain/identifiers.js';
import type { OrderListPosition } from '../../../domain/ports/order-repository.port.js';

/** Cursors are opaque to clients: base64url of the position of the last order on the page. */
export const encodeCursor = (position: OrderListPosition): string =>
  Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString('base64url');

export function decodeCursor(cursor: string): OrderListPosition | undefined {
  if (cursor.length > 512) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [millis, id] = parsed as unknown[];
    if (!Number.isSafeInteger(millis) || typeof id !== 'string' || !isOrderId(id)) return undefined;
    return { createdAt: new Date(millis as number), id };
  } catch {
    return undefined;
  }
}
