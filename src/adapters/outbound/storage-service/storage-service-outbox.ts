import type { Statement } from 'better-sqlite3';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { OrderId } from '../../../domain/identifiers.js';
import type { Order } from '../../../domain/order.js';
import { orderChangeOf, type OrderChanged } from '../../../domain/order-event.js';
import type { OrderStatus } from '../../../domain/order-status.js';
import { SqliteDatabase } from '../embedded/sqlite-database.js';
import { SqliteEventLog } from '../embedded/sqlite-event-log.adapter.js';
import { EVENT_LOG_TABLES, EVENT_RELAY_CURSOR, type SqliteSchema } from '../embedded/sqlite-schema.js';
import { cloudEventRenderer, type EventRecord, type EventRenderer } from '../events/cloud-event.js';
import type { StoredOrder } from './storage-order-record.js';

/** The local file: the embedded store's event log, and the intents of storage writes not yet known to have landed. */
const OUTBOX: SqliteSchema = {
  file: 'storage-service-outbox.sqlite3',
  migrations: [
    EVENT_LOG_TABLES,
    `CREATE TABLE event_intents (
       seq INTEGER PRIMARY KEY,
       id TEXT NOT NULL UNIQUE,
       subject TEXT NOT NULL,
       type TEXT NOT NULL,
       time INTEGER NOT NULL,
       body TEXT NOT NULL,
       status TEXT NOT NULL
     ) STRICT;`,
    // The catalog over the storage service (StorageServiceCatalog): the versions the storage service does not keep,
    // and the ledger of stock adjustments, each `pending` from before its stock write until its outcome is known.
    `CREATE TABLE book_versions (
       book_id TEXT PRIMARY KEY,
       version INTEGER NOT NULL CHECK (version >= 1)
     ) STRICT;
     CREATE TABLE stock_adjustments (
       id TEXT PRIMARY KEY,
       book_id TEXT NOT NULL,
       delta INTEGER NOT NULL CHECK (delta <> 0),
       stock_before INTEGER NOT NULL CHECK (stock_before >= 0),
       stock_after INTEGER NOT NULL CHECK (stock_after >= 0),
       reason TEXT NOT NULL,
       at INTEGER NOT NULL,
       state TEXT NOT NULL CHECK (state IN ('pending', 'applied'))
     ) STRICT;
     CREATE INDEX stock_adjustments_by_book ON stock_adjustments (book_id, at DESC, id DESC);`,
    EVENT_RELAY_CURSOR,
  ],
};

const OUTBOX_DEPENDENCY = 'event-outbox';

/** The event a storage write will announce, kept until that write's outcome is known. */
export interface Intent {
  readonly seq: number;
  /** The id of the event it holds. */
  readonly eventId: string;
  readonly orderId: OrderId;
  /** The status the write stores: the record shows it once the write has landed. */
  readonly status: OrderStatus;
  /** `writing` while this process waits for the answer; `unknown` once the outcome is not known (since `since`). */
  state: 'writing' | 'unknown';
  since: number;
}

/** What the storage service was seen to hold for an order: its record, none at all, or nothing known. */
export type Sighting = StoredOrder | 'absent' | undefined;

/**
 * The storage service has no transactions, so no write can carry its event. The next best thing is a local outbox
 * (a SQLite file under DATA_DIR, with the embedded store's event log): before a write that changes the status
 * consumers see, its event is written here as an intent, durably; once the storage service acknowledges the write,
 * the intent joins the log (the feed and the relay see nothing else); when the write certainly did not apply, it
 * is dropped; when its outcome is unknown (a timeout, a reset, a crash in between), it stays until a read of the
 * order shows whether the record holds its status. A status is never entered twice, so the record tells.
 */
export class StorageServiceOutbox {
  readonly events: SqliteEventLog;
  private readonly intents = new Map<OrderId, Set<Intent>>();
  private readonly insertIntent: Statement<[string, string, string, number, string, string]>;
  private readonly copyToLog: Statement<[number]>;
  private readonly deleteIntent: Statement<[number]>;
  private readonly unknownListeners: Array<() => void> = [];

  private constructor(
    /** The local file itself, which the catalog's versions and ledger share (StorageServiceCatalog). */
    readonly store: SqliteDatabase,
    private readonly render: EventRenderer,
    private readonly graceMs: number,
  ) {
    this.events = new SqliteEventLog(store, render);
    const db = store.db;
    this.insertIntent = db.prepare('INSERT INTO event_intents (id, subject, type, time, body, status) VALUES (?, ?, ?, ?, ?, ?)');
    this.copyToLog = db.prepare(
      'INSERT OR IGNORE INTO events (id, subject, type, time, body) SELECT id, subject, type, time, body FROM event_intents WHERE seq = ?',
    );
    this.deleteIntent = db.prepare('DELETE FROM event_intents WHERE seq = ?');
    // What a process before this one left: every outcome unknown.
    const left = db.prepare<[], { seq: number; id: string; subject: string; status: OrderStatus }>('SELECT seq, id, subject, status FROM event_intents ORDER BY seq');
    for (const row of left.all()) this.track({ seq: row.seq, eventId: row.id, orderId: row.subject as OrderId, status: row.status, state: 'unknown', since: 0 });
  }

  /**
   * `graceMs`: how long a write whose outcome is unknown is left before a read of its record is trusted to settle
   * it in the background (see `due`): a write that timed out here may still be applied there.
   */
  static open(dataDir: string, graceMs: number, render: EventRenderer = cloudEventRenderer()): StorageServiceOutbox {
    return new StorageServiceOutbox(SqliteDatabase.open({ dataDir, synchronous: 'full' }, OUTBOX), render, graceMs);
  }

  /**
   * Writes, durably, the event of the write that turns `before` (absent: no record yet) into `after`, both as the
   * storage service shows them; none when it announces nothing. Call before the write leaves, and hand the intent
   * to the write (OrderRecords), which settles it by its outcome.
   */
  async intend(before: Order | undefined, after: Order, at: Date): Promise<Intent | undefined> {
    const change = orderChangeOf(before, after);
    if (!change) return undefined;
    const record = renderedAt(this.render, change, at);
    let intent: Intent | undefined;
    try {
      await this.store.write(() => {
        const { lastInsertRowid } = this.insertIntent.run(record.id, record.subject, record.type, record.time.getTime(), record.body, after.status);
        intent = this.track({ seq: Number(lastInsertRowid), eventId: record.id, orderId: after.id, status: after.status, state: 'writing', since: 0 });
      });
      return intent;
    } catch (error) {
      if (intent) this.untrack(intent);
      // Nothing was sent: without its event the write must not go out.
      throw new DependencyFailure(OUTBOX_DEPENDENCY, `the local outbox of events could not record ${record.id}`, { cause: error });
    }
  }

  /** Runs `write`, the storage write `intent` announces, and settles the intent by its outcome. */
  async around<T>(intent: Intent | undefined, write: () => Promise<T>): Promise<T> {
    if (!intent) return write();
    try {
      const value = await write();
      this.commit(intent);
      return value;
    } catch (error) {
      if (error instanceof DependencyFailure && !error.options.outcomeUnknown) this.drop(intent);
      else this.doubt(intent);
      throw error;
    }
  }

  /** The write of `intent` will not be sent (the steps before it failed). */
  drop(intent: Intent): void {
    if (!this.untrack(intent)) return;
    // A failed delete leaves the row for the next process to settle: this file refuses everything after a failure.
    this.store.write(() => this.deleteIntent.run(intent.seq)).catch(() => undefined);
  }

  /**
   * The intents whose outcome is unknown, of one order or all: settle them with a read made after this call. A
   * change of the order settles them at once, since it goes on from what it reads; the background and recovery
   * take only those `due`, unknown for the grace period (those a previous process left are due at once).
   */
  unknown(orderId?: OrderId): Intent[] {
    const sets = orderId === undefined ? [...this.intents.values()] : [this.intents.get(orderId) ?? []];
    return sets.flatMap((set) => [...set].filter((intent) => intent.state === 'unknown'));
  }

  due(orderId?: OrderId): Intent[] {
    const since = Date.now() - this.graceMs;
    return this.unknown(orderId).filter((intent) => intent.since <= since);
  }

  /** When the earliest of the unknown intents not yet due will be; undefined when none waits. */
  nextDue(): number | undefined {
    const waiting = this.unknown().map((intent) => intent.since + this.graceMs);
    return waiting.length ? Math.min(...waiting) : undefined;
  }

  /** Settles `intents` (taken from `unknown` before the read) by what the storage service holds. */
  settle(intents: readonly Intent[], seen: (orderId: OrderId) => Sighting): void {
    for (const intent of intents) {
      const sighting = seen(intent.orderId);
      if (sighting === undefined || intent.state !== 'unknown') continue;
      if (sighting !== 'absent' && sighting.order.status === intent.status) this.commit(intent);
      else this.drop(intent);
    }
  }

  /** Calls `listener` whenever a write's outcome turns out unknown. */
  onUnknown(listener: () => void): void {
    this.unknownListeners.push(listener);
  }

  ping(): void {
    this.store.ping();
  }

  close(): void {
    this.store.close();
  }

  /**
   * The intent's write landed: its event joins the log. Not awaited by the write's caller: the intent is durable,
   * so a crash before this commit is durable leaves it for the next process, which finds the write landed. The
   * feed shows it only once durable (SqliteEventLog reads wait), and positions follow the order of these calls.
   */
  private commit(intent: Intent): void {
    if (!this.untrack(intent)) return;
    this.store.write(() => {
      if (this.copyToLog.run(intent.seq).changes > 0) this.events.appendedElsewhere([intent.eventId]);
      this.deleteIntent.run(intent.seq);
    }).catch(() => undefined); // as in drop: the row stays for the next process
  }

  private doubt(intent: Intent): void {
    if (intent.state !== 'writing') return;
    intent.state = 'unknown';
    intent.since = Date.now();
    this.unknownListeners.forEach((listener) => listener());
  }

  private track(intent: Intent): Intent {
    const set = this.intents.get(intent.orderId) ?? new Set<Intent>();
    set.add(intent);
    this.intents.set(intent.orderId, set);
    return intent;
  }

  private untrack(intent: Intent): boolean {
    const set = this.intents.get(intent.orderId);
    if (!set?.delete(intent)) return false;
    if (set.size === 0) this.intents.delete(intent.orderId);
    return true;
  }
}

/**
 * The record keeps no updatedAt, so the order reads (and is rendered) as of its creation: the event's `time` is
 * set to when the change was made, while `data.order` stays exactly what GET /orders/{id} answers.
 */
function renderedAt(render: EventRenderer, change: OrderChanged, at: Date): EventRecord {
  const record = render(change);
  const body = JSON.parse(record.body) as Record<string, unknown>;
  if (typeof body.time === 'string') body.time = at.toISOString();
  return { ...record, time: at, body: JSON.stringify(body) };
}
