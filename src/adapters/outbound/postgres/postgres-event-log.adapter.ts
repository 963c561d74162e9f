import type { EventLog, FeedRead, LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { EventRenderer } from '../events/cloud-event.js';
import { OutboxBell } from '../events/outbox-bell.js';
import type { PostgresDatabase, PostgresOptions } from './postgres-database.js';
import { formatPosition, isAfter, parsePosition, positionOf, type EventPosition } from './postgres-event-position.js';
import { FeedHead } from './postgres-feed-head.js';
import type { Outbox } from './postgres-outbox.js';
import { RelayClaim } from './postgres-relay-claim.js';
import { advance, horizonOf, toHand, type ReadEvent, type ReadPart, type RelayCursorState, type RelayRead } from './postgres-relay-cursor.js';

const columns = (alias: string) => ['tx::text AS tx', 'seq::text AS seq', 'id', 'type', 'subject', 'occurred_at', 'body']
  .map((column) => `${alias}.${column}`).join(', ');

// Only events below the gate are served: every transaction with a smaller xid has ended, so none can still add an
// event below them. The lateral subquery makes this a nested loop over one row of events_purged, so rows come out
// in the subquery's order: the primary key's, with no sort. A cursor behind the purged ones reads nothing.
const GATE = 'e.tx < pg_snapshot_xmin(pg_current_snapshot())';
const READ_AFTER = `SELECT p.tx::text AS purged_tx, p.seq::text AS purged_seq, ${columns('page')}
  FROM events_purged p LEFT JOIN LATERAL (
    SELECT * FROM events e WHERE (e.tx, e.seq) > ($1::xid8, $2::bigint) AND ${GATE}
      AND ($1::xid8, $2::bigint) >= (p.tx, p.seq)
    ORDER BY e.tx, e.seq LIMIT $3
  ) page ON true`;
const READ_FROM_START = `SELECT p.tx::text AS purged_tx, p.seq::text AS purged_seq, ${columns('page')}
  FROM events_purged p LEFT JOIN LATERAL (
    SELECT * FROM events e WHERE (e.tx, e.seq) > (p.tx, p.seq) AND ${GATE} ORDER BY e.tx, e.seq LIMIT $1
  ) page ON true`;

// The relay is not gated: per-order order holds in any set of committed events (see the class comment). It reads
// what its cursor says may be unpublished (see RelayCursorState): a page past the cursor by the primary key, every
// event of the late transactions, and the owed events by key; and with them, the transactions its snapshot saw
// running. Nothing is marked per event: what the relay got acknowledged only moves its cursor (RELAY_SAVE).
const RELAY_READ = `SELECT array_to_string(ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot())), ',') AS running,
    page.part, ${columns('page')}
  FROM (SELECT 1) one LEFT JOIN LATERAL (
    (SELECT 'after' AS part, e.* FROM events e WHERE (e.tx, e.seq) > ($1::xid8, $2::bigint) ORDER BY e.tx, e.seq LIMIT $3)
    UNION ALL
    SELECT 'late', e.* FROM events e WHERE e.tx = ANY($4::xid8[])
    UNION ALL
    SELECT 'owed', e.* FROM unnest($5::xid8[], $6::bigint[]) AS o (tx, seq) JOIN events e ON e.tx = o.tx AND e.seq = o.seq
  ) page ON true`;

const RELAY_LOAD = `SELECT after_tx::text, after_seq::text, late::text[], owed_tx::text[], owed_seq::text[] FROM events_relay`;

// The cursor, and for retention, the position below which everything was published in this minute of `at`.
const RELAY_SAVE = `WITH cursor AS (
    UPDATE events_relay SET after_tx = $1, after_seq = $2, late = $3, owed_tx = $4, owed_seq = $5
  )
  INSERT INTO events_published_below AS b (minute, tx, seq, at) VALUES ($6, $7, $8, $9)
  ON CONFLICT (minute) DO UPDATE SET tx = excluded.tx, seq = excluded.seq, at = excluded.at
    WHERE (excluded.tx, excluded.seq) > (b.tx, b.seq)`;

// What the relay's cursor says may be unpublished, counted as the relay reads it, from whichever replica asks.
const BACKLOG = `SELECT count(*)::int AS waiting, min(w.occurred_at) AS oldest FROM events_relay r, LATERAL (
    SELECT e.occurred_at FROM events e WHERE (e.tx, e.seq) > (r.after_tx, r.after_seq)
    UNION ALL SELECT e.occurred_at FROM events e WHERE e.tx = ANY(r.late)
    UNION ALL SELECT e.occurred_at FROM unnest(r.owed_tx, r.owed_seq) AS o (tx, seq)
      JOIN events e ON e.tx = o.tx AND e.seq = o.seq
  ) w`;

// A prefix of the gated log: walked in order, cut at the first event that does not qualify, so a retained event
// never has a purged one above it, and a transaction committing late cannot land below the purged ones. Every
// event up to the cut is gated, hence in the walk, so the delete is a range of the primary key. The cut is kept,
// in the same transaction, for the reads that come after. Published before `before` ($1, with $2): below the
// position the relay had passed in a minute that ended by then ($4); the minutes before that one are dropped.
const PURGE = `WITH published AS (
    SELECT tx, seq, minute FROM events_published_below WHERE minute < $4 ORDER BY minute DESC LIMIT 1
  ), walk AS (
    SELECT tx, seq, bool_and(ok) OVER (ORDER BY tx, seq) AS doomed FROM (
      SELECT e.tx, e.seq,
        CASE WHEN $2::boolean THEN coalesce((e.tx, e.seq) < (SELECT tx, seq FROM published), false) ELSE e.occurred_at < $1 END AS ok
      FROM events e WHERE ${GATE} ORDER BY e.tx, e.seq LIMIT $3
    ) oldest
  ), forgotten AS (
    DELETE FROM events_published_below b USING published WHERE b.minute < published.minute
  ), cut AS (
    SELECT tx, seq FROM walk WHERE doomed ORDER BY tx DESC, seq DESC LIMIT 1
  ), gone AS (
    DELETE FROM events e USING cut WHERE (e.tx, e.seq) <= (cut.tx, cut.seq) RETURNING 1
  ), moved AS (
    UPDATE events_purged p SET tx = cut.tx, seq = cut.seq FROM cut WHERE (cut.tx, cut.seq) > (p.tx, p.seq)
  )
  SELECT count(*)::int AS n, (SELECT count(*) FROM walk WHERE doomed)::int AS doomed FROM gone`;
const PURGE_CHUNK = 5_000;

/** The log's statements, for the query-plan checks in test/postgres. */
export const EVENT_LOG_SQL = { READ_AFTER, READ_FROM_START, RELAY_READ, BACKLOG, PURGE } as const;

interface EventRow {
  tx: string;
  seq: string;
  id: string;
  type: string;
  subject: string;
  occurred_at: Date;
  body: string;
}
/** A row of a read: how far purging went, with one event of the page, or none (nulls) when the page is empty. */
type ReadRow = { purged_tx: string; purged_seq: string } & { [K in keyof EventRow]: EventRow[K] | null };
/** A row of the relay's read: the transactions its snapshot saw running, with one event, or none (nulls). */
type RelayReadRow = { running: string; part: ReadPart | null } & { [K in keyof EventRow]: EventRow[K] | null };
type RelayStateRow = { after_tx: string; after_seq: string; late: string[]; owed_tx: string[]; owed_seq: string[] };

/** An event as the relay read it: the event, where it sits, and which part of the read it came from. */
type RelayEvent = ReadEvent & { readonly event: LoggedEvent };

/**
 * The outbox and the feed in the `events` table, written by the order writes in their own transactions (see
 * postgres-placement-batch.ts and postgres-order-update.ts), shared by every replica.
 *
 * Why the position is (tx, seq) and not a serial: replicas commit concurrently, so a transaction can take serial 7,
 * then commit after one holding serial 8 has committed and been read; a consumer paging by serial would be past 7
 * for good. Transaction ids have the same problem, but PostgreSQL tells which are settled: every xid below
 * `pg_snapshot_xmin(pg_current_snapshot())` has committed or aborted, so no event can still appear below it. The
 * feed serves only those, in (tx, seq) order, and a position it hands out never has anything appear behind it.
 * The cost: the feed lags the oldest transaction running on the server (any database) that holds an xid. Ours
 * are bounded by the statement and idle-in-transaction timeouts; a long writer of another application delays the
 * feed (never the writes, nor the relay) until it ends.
 *
 * Why each order's events come in increasing version: an order's next change locks the order's row as its first
 * statement, and locking assigns the xid. The previous change got its xid before that (it held the row's lock, or
 * inserted the row) and has committed by the time the lock is granted; xids are handed out in increasing order, so
 * the later change has the larger xid. Hence also: whenever a change of an order is committed, so are all its
 * earlier ones, which lets the relay read committed events without the gate and still meet each order's in order.
 */
export class PostgresEventLog implements EventLog {
  private readonly head: FeedHead;
  private readonly relay: RelayClaim;
  private readonly bell = new OutboxBell();
  /** The relay's cursor, loaded when this process takes the role (the claim's `term`), kept while it holds it. */
  private cursor?: { readonly term: number; state: RelayCursorState };
  private lastRead?: RelayRead<RelayEvent> & { readonly term: number };
  readonly outbox: Outbox;

  constructor(
    private readonly db: PostgresDatabase,
    options: PostgresOptions & { readonly render: EventRenderer; readonly pollMs?: number },
  ) {
    this.head = new FeedHead(db, options.pollMs);
    this.relay = new RelayClaim(options);
    this.outbox = {
      render: options.render,
      committed: (ids) => {
        this.head.committed();
        this.bell.ring(ids);
      },
    };
  }

  async read(after: string | undefined, limit: number): Promise<FeedRead> {
    const from = after === undefined ? undefined : parsePosition(after);
    if (after !== undefined && !from) return { kind: 'malformed' };
    const { rows } = from
      ? await this.db.query<ReadRow>(READ_AFTER, [String(from.tx), String(from.seq), limit])
      : await this.db.query<ReadRow>(READ_FROM_START, [limit]);
    const purged = positionOf({ tx: rows[0]!.purged_tx, seq: rows[0]!.purged_seq });
    if (from && isAfter(purged, from)) return { kind: 'expired' };
    const events = rows.flatMap((row) => (row.tx === null ? [] : [toLoggedEvent(row as EventRow)]));
    return { kind: 'page', events, next: events.length ? events[events.length - 1]!.position : (after ?? formatPosition(purged)) };
  }

  waitForEvents(after: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.head.wait(after, timeoutMs, signal);
  }

  waitForUnpublished(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.bell.wait(timeoutMs, signal);
  }

  takeCommitTime(id: string): number | undefined {
    return this.bell.take(id);
  }

  expectRelay(): void {
    this.bell.expectRelay();
  }

  /** What the relay's cursor says may be unpublished: see RelayCursorState and RELAY_READ. */
  async unpublished(limit: number): Promise<readonly LoggedEvent[]> {
    this.bell.reading();
    const { term, state } = await this.cursorNow();
    const { rows } = await this.relay.query<RelayReadRow>(RELAY_READ, [
      String(state.after.tx), String(state.after.seq), limit, state.late.map(String),
      state.owed.map((p) => String(p.tx)), state.owed.map((p) => String(p.seq)),
    ], this.db);
    const found = rows.flatMap((row): RelayEvent[] => {
      if (row.tx === null) return [];
      const position = positionOf(row as EventRow);
      return [{ event: toLoggedEvent(row as EventRow, position), position, part: row.part! }];
    });
    const handed = toHand(found, limit);
    const running = rows[0]!.running;
    this.lastRead = { term, from: state, inProgress: running ? running.split(',').map(BigInt) : [], handed };
    return handed.map(({ event }) => event);
  }

  /** Moves the cursor past what the last read handed out and got published, and saves it with the relay's role. */
  async markPublished(events: readonly LoggedEvent[], at: Date): Promise<void> {
    const read = this.lastRead;
    if (!read || events.length === 0) return;
    // A role lost since the read: the replica holding it now keeps the cursor, and re-sends what this one did not save.
    if (read.term !== this.relay.term || (read.term > 0 && !this.relay.holds(read.term))) return;
    const state = advance(read, new Set(events.map((event) => event.position)), ({ event }) => event.position);
    const below = horizonOf(state);
    await this.relay.query(RELAY_SAVE, [
      String(state.after.tx), String(state.after.seq), state.late.map(String),
      state.owed.map((p) => String(p.tx)), state.owed.map((p) => String(p.seq)),
      minuteOf(at), String(below.tx), String(below.seq), at,
    ], this.db);
    this.lastRead = undefined;
    this.cursor = { term: read.term, state };
  }

  /** The cursor this process relays from: the saved one, read again whenever it (re)took the role. */
  private async cursorNow(): Promise<{ readonly term: number; readonly state: RelayCursorState }> {
    const term = this.relay.term;
    if (this.cursor && this.cursor.term === term) return this.cursor;
    const { rows: [row] } = await this.relay.query<RelayStateRow>(RELAY_LOAD, [], this.db);
    const state: RelayCursorState = {
      after: positionOf({ tx: row!.after_tx, seq: row!.after_seq }),
      late: row!.late.map(BigInt),
      owed: row!.owed_tx.map((tx, i) => positionOf({ tx, seq: row!.owed_seq[i]! })),
    };
    this.cursor = { term, state };
    return this.cursor;
  }

  async purge(before: Date, relayed: boolean): Promise<number> {
    let total = 0;
    for (;;) {
      // Another replica purging at once may delete some of the same events: each is counted by whoever deleted it.
      const { rows: [row] } = await this.db.query<{ n: number; doomed: number }>(PURGE, [before, relayed, PURGE_CHUNK, minuteOf(before)]);
      total += row!.n;
      if (row!.doomed < PURGE_CHUNK) return total;
    }
  }

  async backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }> {
    const { rows: [row] } = await this.db.query<{ waiting: number; oldest: Date | null }>(BACKLOG);
    return { waiting: row!.waiting, ...(row!.oldest ? { oldestAt: row!.oldest } : {}) };
  }

  claimRelay(): Promise<boolean> {
    return this.relay.claim();
  }

  /** Ends the waits and gives the relay role up; the pool is the backend's to close. */
  async close(): Promise<void> {
    this.head.close();
    await this.relay.close();
  }
}

/** The minute of `at` since the epoch: the key of events_published_below. */
const minuteOf = (at: Date): string => String(Math.floor(at.getTime() / 60_000));

const toLoggedEvent = (row: EventRow, position: EventPosition = positionOf(row)): LoggedEvent => ({
  position: formatPosition(position),
  id: row.id,
  type: row.type,
  subject: row.subject,
  time: row.occurred_at,
  body: row.body,
});
