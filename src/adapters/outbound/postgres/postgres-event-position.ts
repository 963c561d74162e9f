/**
 * Where an event sits in the PostgreSQL log: the id of the transaction that wrote it (xid8), then its `seq`, which
 * only orders the events of one transaction. Written `<tx>-<seq>`, both decimal; `0-0` lies below every event.
 */
export interface EventPosition {
  readonly tx: bigint;
  readonly seq: bigint;
}

const MAX_TX = 2n ** 64n - 1n; // xid8 is unsigned 64-bit
const MAX_SEQ = 2n ** 63n - 1n; // bigserial

export const formatPosition = (position: EventPosition): string => `${position.tx}-${position.seq}`;

export function parsePosition(text: string): EventPosition | undefined {
  const match = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,18})$/.exec(text);
  if (!match) return undefined;
  const tx = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  return tx <= MAX_TX && seq <= MAX_SEQ ? { tx, seq } : undefined;
}

/** The position of a row as pg returns it: xid8 cast to text, bigint as a string. */
export const positionOf = (row: { tx: string; seq: string }): EventPosition => ({ tx: BigInt(row.tx), seq: BigInt(row.seq) });

export const compareBigints = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Log order, as a sort comparator. */
export const comparePositions = (a: EventPosition, b: EventPosition): number => compareBigints(a.tx, b.tx) || compareBigints(a.seq, b.seq);

export const isAfter = (a: EventPosition, b: EventPosition): boolean => comparePositions(a, b) > 0;
