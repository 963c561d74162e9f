import { compareBigints, comparePositions, isAfter, type EventPosition } from './postgres-event-position.js';

/**
 * Where the relay's next read starts, and what below that point it still owes. Every event not yet published is
 * one of: after `after`; written by a transaction in `late` (running when `after` was passed, with a smaller xid,
 * so it may still commit events below it); or at a position in `owed` (read, and not yet acknowledged).
 */
export interface RelayCursorState {
  readonly after: EventPosition;
  readonly late: readonly bigint[];
  readonly owed: readonly EventPosition[];
}

/** Which part of a read an event came from: past the cursor (a page of it), a late transaction's, or owed. */
export type ReadPart = 'after' | 'late' | 'owed';

export interface ReadEvent {
  readonly position: EventPosition;
  readonly part: ReadPart;
}

/** One read: the state it started from, its snapshot's running transactions, and what it handed out. */
export interface RelayRead<E extends ReadEvent> {
  readonly from: RelayCursorState;
  readonly inProgress: readonly bigint[];
  readonly handed: readonly E[];
}

/**
 * What a read hands the relay, in log order: every late and owed event it found, and of the page past the cursor
 * as much as fits in `limit` beside them (so a late transaction's events are never split between rounds).
 */
export function toHand<E extends ReadEvent>(found: readonly E[], limit: number): E[] {
  const below = found.filter((event) => event.part !== 'after');
  const page = found.filter((event) => event.part === 'after').slice(0, Math.max(0, limit - below.length));
  return [...below, ...page].sort((a, b) => comparePositions(a.position, b.position));
}

/**
 * The state after the relay published `published` (by `key`) of what `read` handed it.
 *
 * The cursor moves to the last event handed out from the page past it: the rest of the page is read again. A late
 * transaction is dropped once the read's snapshot shows it ended: all its events were visible to that read, so
 * they were handed out, and are published or owed now. Transactions the snapshot saw running with a smaller xid
 * than the new cursor's are late (no other can commit below it: xids are handed out in increasing order). What
 * was handed out and not published is owed.
 */
export function advance<E extends ReadEvent>(read: RelayRead<E>, published: ReadonlySet<string>, key: (e: E) => string): RelayCursorState {
  const page = read.handed.filter((event) => event.part === 'after');
  const after = page.length ? page[page.length - 1]!.position : read.from.after;
  const late = [...new Set(read.inProgress)].filter((tx) => tx < after.tx).sort(compareBigints);
  const owed = read.handed.filter((event) => !published.has(key(event))).map((event) => event.position);
  return { after, late, owed };
}

/** No event below this position is unpublished, or ever will be: what a relay taking over may start from. */
export function horizonOf(state: RelayCursorState): EventPosition {
  let horizon: EventPosition = { tx: state.after.tx, seq: state.after.seq + 1n };
  const lower = (position: EventPosition) => {
    if (isAfter(horizon, position)) horizon = position;
  };
  if (state.late.length) lower({ tx: state.late[0]!, seq: 0n });
  if (state.owed.length) lower(state.owed[0]!);
  return horizon;
}
