export interface Page<T, P> {
  readonly items: readonly T[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: P;
}

/** A page from `limit + 1` items read: the extra one only says that another page follows. */
export function pageFrom<T, P>(found: readonly T[], limit: number, positionOf: (last: T) => P): Page<T, P> {
  if (found.length <= limit) return { items: found };
  const items = found.slice(0, limit);
  return { items, next: positionOf(items[items.length - 1]!) };
}

/** A page size from 1 to `max`, whatever the caller asked for. */
export const pageSize = (limit: number, max: number): number => Math.min(Math.max(1, Math.trunc(limit)), max);
