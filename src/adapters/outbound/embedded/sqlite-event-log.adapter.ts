import type { Statement } from 'better-sqlite3';
import type { EventLog, FeedRead, LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { DomainEvent } from '../../../domain/domain-event.js';
import { cloudEventRenderer, type EventRecord, type EventRenderer } from '../events/cloud-event.js';
import { CommitSignal, waitUntil } from '../events/commit-signal.js';
import { parsePosition } from '../events/event-position.js';
import { OutboxBell } from '../events/outbox-bell.js';
import { RelayTail } from './relay-tail.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface EventRow {
  position: number;
  id: string;
  type: string;
  subject: string;
  time: number;
  body: string;
}

/** Events the relay may be behind by and still read from memory (see RelayTail): a few MiB of bodies. */
const TAIL_CAPACITY = 4_096;

/** Events purged per write, so that purging a long history never holds the event loop for long. */
const PURGE_CHUNK = 5_000;

/**
 * The `events` table (see EVENT_LOG_TABLES) as the feed and the relay read it. Adapters append inside the
 * SqliteDatabase write that makes the change, so the event commits with it or not at all. Every read goes
 * through SqliteDatabase.read, which answers only once what it saw is durable: the connection sees the rows of
 * the transaction still filling, and none of them may be handed out before its flush (a crash could still lose
 * them). Positions are assigned by this one connection in the order its writes run, so no event can appear below
 * a position already handed out, and long-polls wake when a flush completes. The relay reads by a cursor of its
 * own (events_relay, see RelayCursor), not by marks on the events: what it got acknowledged moves the cursor.
 */
export class SqliteEventLog implements EventLog {
  private readonly signal = new CommitSignal();
  private readonly bell = new OutboxBell();
  /** Events appended since the last flush became durable: only such a flush rings the relay's bell. */
  private appended: string[] = [];
  private readonly insert: Statement<[string, string, string, number, string]>;
  /** What this process appended past the relay's cursor, once a relay reads: see RelayTail. */
  private readonly tail = new RelayTail<EventRow>(TAIL_CAPACITY);
  private readonly selectAfter: Statement<[number, number], EventRow>;
  private readonly selectAnyAfter: Statement<[number], { position: number }>;
  private readonly selectPurged: Statement<[], { through: number }>;
  private readonly selectAt: Statement<[string], EventRow>;
  private readonly saveCursor: Statement<[number, string]>;
  private readonly saveBelow: Statement<[number, number, number]>;
  private readonly selectBelow: Statement<[number], { minute: number; position: number }>;
  private readonly forgetBelow: Statement<[number]>;
  private readonly selectOldest: Statement<[number], { position: number; time: number }>;
  private readonly deleteThrough: Statement<[number]>;
  private readonly setPurged: Statement<[number]>;
  private readonly selectBacklog: Statement<[number, string], { waiting: number; oldest: number | null }>;
  /** Where the relay reads from (see RelayCursor): loaded at start, saved as the relay gets events acknowledged. */
  private cursor: RelayCursor;
  /** What the last `unpublished` handed out, which the next `markPublished` moves the cursor past. */
  private lastRead: RelayRead | undefined;

  constructor(private readonly store: SqliteDatabase, private readonly render: EventRenderer = cloudEventRenderer()) {
    const db = store.db;
    const columns = 'position, id, type, subject, time, body';
    this.insert = db.prepare('INSERT INTO events (id, subject, type, time, body) VALUES (?, ?, ?, ?, ?)');
    this.selectAfter = db.prepare(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
    this.selectAnyAfter = db.prepare('SELECT position FROM events WHERE position > ? LIMIT 1');
    this.selectPurged = db.prepare('SELECT through FROM events_purged');
    this.selectAt = db.prepare(`SELECT ${columns} FROM events WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`);
    this.saveCursor = db.prepare('UPDATE events_relay SET after = ?, owed = ?');
    this.saveBelow = db.prepare(
      `INSERT INTO events_published_below AS b (minute, position, at) VALUES (?, ?, ?)
       ON CONFLICT (minute) DO UPDATE SET position = excluded.position, at = excluded.at WHERE excluded.position > b.position`,
    );
    this.selectBelow = db.prepare(
      'SELECT minute, position FROM events_published_below WHERE minute < ? ORDER BY minute DESC LIMIT 1',
    );
    this.forgetBelow = db.prepare('DELETE FROM events_published_below WHERE minute < ?');
    this.selectOldest = db.prepare('SELECT position, time FROM events ORDER BY position LIMIT ?');
    this.deleteThrough = db.prepare('DELETE FROM events WHERE position <= ?');
    this.setPurged = db.prepare('UPDATE events_purged SET through = ?');
    this.selectBacklog = db.prepare(
      `SELECT count(*) AS waiting, min(time) AS oldest FROM (
         SELECT time FROM events WHERE position > ?
         UNION ALL SELECT time FROM events WHERE position IN (SELECT value FROM json_each(?)))`,
    );
    const saved = db.prepare<[], { after: number; owed: string }>('SELECT after, owed FROM events_relay').get()!;
    this.cursor = { after: saved.after, owed: JSON.parse(saved.owed) as number[] };
    store.onRollback(() => this.tail.forget());
    store.onDurable(() => {
      this.signal.notify();
      if (this.appended.length === 0) return;
      const ids = this.appended;
      this.appended = [];
      this.bell.ring(ids);
    });
  }

  /** Appends the event of a change; call inside the `store.write` that makes the change. */
  record(event: DomainEvent | undefined): void {
    if (event) this.append(this.render(event));
  }

  /** Appends an event already rendered; call inside a `store.write`. */
  append(record: EventRecord): void {
    const { id, subject, type, body } = record;
    const time = record.time.getTime();
    const position = Number(this.insert.run(id, subject, type, time, body).lastInsertRowid);
    if (this.tail.keeping) this.tail.add({ position, id, type, subject, time, body });
    this.appended.push(id);
  }

  /** Events went into the table by a statement of the caller's own, inside a `store.write`: rings the relay too. */
  appendedElsewhere(ids: readonly string[]): void {
    this.tail.forget();
    this.appended.push(...ids);
  }

  read(after: string | undefined, limit: number): Promise<FeedRead> {
    const from = after === undefined ? undefined : parsePosition(after);
    if (after !== undefined && from === undefined) return Promise.resolve({ kind: 'malformed' });
    return this.store.read((): FeedRead => {
      const purged = this.purgedThrough();
      const start = from ?? purged;
      if (start < purged) return { kind: 'expired' };
      const events = this.selectAfter.all(start, limit).map(toLoggedEvent);
      return { kind: 'page', events, next: events.length ? events[events.length - 1]!.position : String(start) };
    });
  }

  waitForEvents(after: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const from = after === undefined ? undefined : parsePosition(after) ?? 0;
    const ready = () => this.store.read(() => this.selectAnyAfter.get(from ?? this.purgedThrough()) !== undefined);
    return waitUntil(this.signal, ready, timeoutMs, signal);
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

  unpublished(limit: number): Promise<readonly LoggedEvent[]> {
    this.bell.reading();
    const from = this.cursor;
    const handOut = (owed: readonly EventRow[], page: readonly EventRow[]) => {
      this.lastRead = { from, owed, page };
      return [...owed, ...page].map(toLoggedEvent);
    };
    // Caught up, nothing owed: the tail has what was appended since, answered once it is durable as a read would be.
    const kept = from.owed.length === 0 ? this.tail.after(from.after, limit) : undefined;
    if (kept) return this.store.shown(handOut([], kept));
    return this.store.read(() => {
      // The owed events first (all below the cursor), then as much of the page past it as fits beside them.
      const owed = from.owed.length ? this.selectAt.all(JSON.stringify(from.owed)) : [];
      const pageLimit = Math.max(0, limit - owed.length);
      const page = this.selectAfter.all(from.after, pageLimit);
      // The table has nothing past this page: from here on the tail can hold every event the relay has not read.
      if (page.length < pageLimit) this.tail.resume(page.length ? page[page.length - 1]!.position : from.after);
      return handOut(owed, page);
    });
  }

  /**
   * Moves the cursor past what the last read handed out, owing what of it was not acknowledged, and keeps, for
   * retention, the position below which everything was published in this minute. One write per round, whatever
   * the round carried: nothing is marked per event.
   */
  async markPublished(events: readonly LoggedEvent[], at: Date): Promise<void> {
    const read = this.lastRead;
    if (!read || events.length === 0) return;
    this.lastRead = undefined;
    const next = advance(read, new Set(events.map((event) => Number(event.position))));
    const below = Math.min(next.after + 1, next.owed[0] ?? Infinity);
    await this.store.write(() => {
      this.saveCursor.run(next.after, JSON.stringify(next.owed));
      this.saveBelow.run(minuteOf(at.getTime()), below, at.getTime());
    });
    this.cursor = next;
  }

  async purge(before: Date, relayed: boolean): Promise<number> {
    const cutoff = before.getTime();
    let total = 0;
    for (;;) {
      const purged = await this.store.write(() => {
        // Published by `before`: below the position the relay had passed in a minute that ended by then.
        const published = relayed ? this.selectBelow.get(minuteOf(cutoff)) : undefined;
        if (relayed && !published) return 0;
        let through: number | undefined;
        let count = 0;
        for (const row of this.selectOldest.all(PURGE_CHUNK)) {
          if (published ? row.position >= published.position : row.time >= cutoff) break;
          through = row.position;
          count += 1;
        }
        if (through !== undefined) {
          this.deleteThrough.run(through);
          this.setPurged.run(through);
        }
        if (published) this.forgetBelow.run(published.minute);
        return count;
      });
      total += purged;
      if (purged < PURGE_CHUNK) return total;
    }
  }

  backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }> {
    const { after, owed } = this.cursor;
    return this.store.read(() => {
      const { waiting, oldest } = this.selectBacklog.get(after, JSON.stringify(owed))!;
      return { waiting, ...(oldest !== null ? { oldestAt: new Date(oldest) } : {}) };
    });
  }

  /** One process owns the file: it always relays. */
  async claimRelay(): Promise<boolean> {
    return true;
  }

  private purgedThrough(): number {
    return this.selectPurged.get()!.through;
  }
}

/**
 * Where the relay stands: every event after `after` is unpublished, and so are those at `owed` (below it, handed out
 * and not acknowledged); every other event is published. One connection assigns positions in the order its writes
 * run, so no event appears below `after` once it was read past.
 */
interface RelayCursor {
  readonly after: number;
  readonly owed: readonly number[];
}

/** One read of the relay: the cursor it started from, and what it handed out, owed events first, then the page past it. */
interface RelayRead {
  readonly from: RelayCursor;
  readonly owed: readonly EventRow[];
  readonly page: readonly EventRow[];
}

/** The cursor after the relay got `published` (by position) of what `read` handed it. */
function advance({ from, owed, page }: RelayRead, published: ReadonlySet<number>): RelayCursor {
  const after = page.length ? page[page.length - 1]!.position : from.after;
  return { after, owed: [...owed, ...page].map((row) => row.position).filter((position) => !published.has(position)) };
}

/** The minute of `ms` since the epoch: the key of events_published_below. */
const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

const toLoggedEvent = (row: EventRow): LoggedEvent => ({
  position: String(row.position),
  id: row.id,
  type: row.type,
  subject: row.subject,
  time: new Date(row.time),
  body: row.body,
});
