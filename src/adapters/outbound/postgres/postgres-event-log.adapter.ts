import type { EventLog, FeedRead, LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { EventRenderer } from '../events/cloud-event.js';
import { OutboxBell } from '../events/outbox-bell.js';
import type { PostgresDatabase, PostgresOptions } from './postgres-database.js';
import { formatPosition, isAfter, parsePosition, positionOf, type EventPosition } from './postgres-event-position.js';
import { FeedHead } from './postgres-feed-head.js';
import type { Outbox } from './postgres-outbox.js';
import { RelayClaim } from './postgres-relay-claim.js';

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

// The relay is not gated: per-order order holds in any set of committed events (see the class comment). It starts
// at a horizon below which nothing is unpublished (see `unpublished`), so that it does not walk the partial index's
// entries of published events, which stay there, dead, until a vacuum. With the page comes the snapshot's xmin: no
// event that this read could not see can lie below it.
const UNPUBLISHED = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, ${columns('page')}
  FROM (SELECT 1) one LEFT JOIN LATERAL (
    SELECT * FROM events e WHERE e.published_at IS NULL AND (e.tx, e.seq) >= ($1::xid8, $2::bigint)
    ORDER BY e.tx, e.seq LIMIT $3
  ) page ON true`;

// By primary key: the positions the relay was handed, as two arrays.
const MARK_PUBLISHED = `UPDATE events e SET published_at = $3
  FROM unnest($1::xid8[], $2::bigint[]) AS p(tx, seq)
  WHERE e.tx = p.tx AND e.seq = p.seq AND e.published_at IS NULL`;

// A prefix of the gated log: walked in order, cut at the first event that does not qualify, so a retained event
// never has a purged one above it, and a transaction committing late cannot land below the purged ones. Every
// event up to the cut is gated, hence in the walk, so the delete is a range of the primary key. The cut is kept,
// in the same transaction, for the reads that come after.
const PURGE = `WITH walk AS (
    SELECT tx, seq, bool_and(ok) OVER (ORDER BY tx, seq) AS doomed FROM (
      SELECT e.tx, e.seq, CASE WHEN $2::boolean THEN coalesce(e.published_at < $1, false) ELSE e.occurred_at < $1 END AS ok
      FROM events e WHERE ${GATE} ORDER BY e.tx, e.seq LIMIT $3
    ) oldest
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
export const EVENT_LOG_SQL = { READ_AFTER, READ_FROM_START, UNPUBLISHED, MARK_PUBLISHED, PURGE } as const;

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
/** A row of the relay's read: the snapshot's xmin, with one event, or none (nulls) when nothing waits. */
type UnpublishedRow = { xmin: string } & { [K in keyof EventRow]: EventRow[K] | null };

/** What the relay's last read found, to move the horizon once it says what got published. */
interface RelayRead {
  readonly xmin: EventPosition;
  readonly events: readonly LoggedEvent[];
  readonly full: boolean;
}

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
  /** No unpublished event lies below it (see `unpublished`); it only ever moves up. */
  private horizon: EventPosition = { tx: 0n, seq: 0n };
  private lastRead?: RelayRead;
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

  /**
   * Read from the horizon up. Nothing unpublished lies below it: every event below the xmin of a read's snapshot
   * was visible to that read, so it was returned (or lies beyond a full page) or was already published, and an
   * event of a transaction still running then has a larger xid. markPublished moves the horizon up to the oldest
   * of: that xmin, what the read returned and did not get published, and the end of a full page.
   */
  async unpublished(limit: number): Promise<readonly LoggedEvent[]> {
    this.bell.reading();
    const from = this.horizon;
    const { rows } = await this.relay.query<UnpublishedRow>(UNPUBLISHED, [String(from.tx), String(from.seq), limit], this.db);
    const events = rows.flatMap((row) => (row.tx === null ? [] : [toLoggedEvent(row as EventRow)]));
    this.lastRead = { xmin: { tx: BigInt(rows[0]!.xmin), seq: 0n }, events, full: events.length >= limit };
    return events;
  }

  async markPublished(events: readonly LoggedEvent[], at: Date): Promise<void> {
    const positions = events.flatMap(({ position }) => {
      const parsed = parsePosition(position);
      return parsed ? [parsed] : [];
    });
    if (positions.length === 0) return;
    await this.relay.query(MARK_PUBLISHED, [positions.map((p) => String(p.tx)), positions.map((p) => String(p.seq)), at], this.db);
    this.raiseHorizon(new Set(events.map((event) => event.position)));
  }

  private raiseHorizon(published: ReadonlySet<string>): void {
    const read = this.lastRead;
    if (!read) return;
    let next = read.xmin;
    const lower = (p: EventPosition) => {
      if (isAfter(next, p)) next = p;
    };
    const left = read.events.find((event) => !published.has(event.position));
    if (left) lower(parsePosition(left.position)!);
    if (read.full && read.events.length) lower(parsePosition(read.events[read.events.length - 1]!.position)!);
    if (isAfter(next, this.horizon)) this.horizon = next;
  }

  async purge(before: Date, relayed: boolean): Promise<number> {
    let total = 0;
    for (;;) {
      // Another replica purging at once may delete some of the same events: each is counted by whoever deleted it.
      const { rows: [row] } = await this.db.query<{ n: number; doomed: number }>(PURGE, [before, relayed, PURGE_CHUNK]);
      total += row!.n;
      if (row!.doomed < PURGE_CHUNK) return total;
    }
  }

  async backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }> {
    const { rows: [row] } = await this.db.query<{ waiting: number; oldest: Date | null }>(
      'SELECT count(*)::int AS waiting, min(occurred_at) AS oldest FROM events WHERE published_at IS NULL');
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

const toLoggedEvent = (row: EventRow): LoggedEvent => ({
  position: formatPosition(positionOf(row)),
  id: row.id,
  type: row.type,
  subject: row.subject,
  time: row.occurred_at,
  body: row.body,
});
