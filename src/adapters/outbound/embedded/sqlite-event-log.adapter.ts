import type { Statement } from 'better-sqlite3';
import type { EventLog, FeedRead, LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { DomainEvent } from '../../../domain/domain-event.js';
import { cloudEventRenderer, type EventRecord, type EventRenderer } from '../events/cloud-event.js';
import { CommitSignal, waitUntil } from '../events/commit-signal.js';
import { parsePosition } from '../events/event-position.js';
import { OutboxBell } from '../events/outbox-bell.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface EventRow {
  position: number;
  id: string;
  type: string;
  subject: string;
  time: number;
  body: string;
}

/** Events purged per write, so that purging a long history never holds the event loop for long. */
const PURGE_CHUNK = 5_000;

/**
 * The `events` table (see EVENT_LOG_TABLES) as the feed and the relay read it. Adapters append inside the
 * SqliteDatabase write that makes the change, so the event commits with it or not at all. Every read goes
 * through SqliteDatabase.read, which answers only once what it saw is durable: the connection sees the rows of
 * the transaction still filling, and none of them may be handed out before its flush (a crash could still lose
 * them). Positions are assigned by this one connection in the order its writes run, so no event can appear below
 * a position already handed out, and long-polls wake when a flush completes.
 */
export class SqliteEventLog implements EventLog {
  private readonly signal = new CommitSignal();
  private readonly bell = new OutboxBell();
  /** Events appended since the last flush became durable: only such a flush rings the relay's bell. */
  private appended: string[] = [];
  private readonly insert: Statement<[string, string, string, number, string]>;
  private readonly selectAfter: Statement<[number, number], EventRow>;
  private readonly selectAnyAfter: Statement<[number], { position: number }>;
  private readonly selectPurged: Statement<[], { through: number }>;
  private readonly selectUnpublished: Statement<[number], EventRow>;
  private readonly setPublished: Statement<[number, number]>;
  private readonly selectOldest: Statement<[number], { position: number; time: number; published_at: number | null }>;
  private readonly deleteThrough: Statement<[number]>;
  private readonly setPurged: Statement<[number]>;
  private readonly countUnpublished: Statement<[], { waiting: number }>;
  private readonly selectOldestUnpublished: Statement<[], { time: number }>;

  constructor(private readonly store: SqliteDatabase, private readonly render: EventRenderer = cloudEventRenderer()) {
    const db = store.db;
    const columns = 'position, id, type, subject, time, body';
    this.insert = db.prepare('INSERT INTO events (id, subject, type, time, body) VALUES (?, ?, ?, ?, ?)');
    this.selectAfter = db.prepare(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
    this.selectAnyAfter = db.prepare('SELECT position FROM events WHERE position > ? LIMIT 1');
    this.selectPurged = db.prepare('SELECT through FROM events_purged');
    this.selectUnpublished = db.prepare(
      `SELECT ${columns} FROM events WHERE published_at IS NULL ORDER BY position LIMIT ?`,
    );
    this.setPublished = db.prepare('UPDATE events SET published_at = ? WHERE position = ? AND published_at IS NULL');
    this.selectOldest = db.prepare('SELECT position, time, published_at FROM events ORDER BY position LIMIT ?');
    this.deleteThrough = db.prepare('DELETE FROM events WHERE position <= ?');
    this.setPurged = db.prepare('UPDATE events_purged SET through = ?');
    this.countUnpublished = db.prepare('SELECT count(*) AS waiting FROM events WHERE published_at IS NULL');
    this.selectOldestUnpublished = db.prepare(
      'SELECT time FROM events WHERE published_at IS NULL ORDER BY position LIMIT 1',
    );
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
    this.insert.run(record.id, record.subject, record.type, record.time.getTime(), record.body);
    this.appended.push(record.id);
  }

  /** Events went into the table by a statement of the caller's own, inside a `store.write`: rings the relay too. */
  appendedElsewhere(ids: readonly string[]): void {
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
    return this.store.read(() => this.selectUnpublished.all(limit).map(toLoggedEvent));
  }

  async markPublished(events: readonly LoggedEvent[], at: Date): Promise<void> {
    if (events.length === 0) return;
    await this.store.write(() => {
      for (const { position } of events) this.setPublished.run(at.getTime(), Number(position));
    });
  }

  async purge(before: Date, relayed: boolean): Promise<number> {
    const cutoff = before.getTime();
    let total = 0;
    for (;;) {
      const purged = await this.store.write(() => {
        let through: number | undefined;
        let count = 0;
        for (const row of this.selectOldest.all(PURGE_CHUNK)) {
          const since = relayed ? row.published_at : row.time;
          if (since === null || since >= cutoff) break;
          through = row.position;
          count += 1;
        }
        if (through !== undefined) {
          this.deleteThrough.run(through);
          this.setPurged.run(through);
        }
        return count;
      });
      total += purged;
      if (purged < PURGE_CHUNK) return total;
    }
  }

  backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }> {
    return this.store.read(() => {
      const { waiting } = this.countUnpublished.get()!;
      const oldest = waiting > 0 ? this.selectOldestUnpublished.get() : undefined;
      return { waiting, ...(oldest ? { oldestAt: new Date(oldest.time) } : {}) };
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

const toLoggedEvent = (row: EventRow): LoggedEvent => ({
  position: String(row.position),
  id: row.id,
  type: row.type,
  subject: row.subject,
  time: new Date(row.time),
  body: row.body,
});
