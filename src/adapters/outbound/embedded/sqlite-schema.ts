import type Database from 'better-sqlite3';

/**
 * The event log (see SqliteEventLog): positions that never come back once purged (AUTOINCREMENT), the relay's
 * backlog on a partial index, and how far purging went, which tells an expired cursor from a fresh one.
 */
export const EVENT_LOG_TABLES = `CREATE TABLE events (
     position INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     subject TEXT NOT NULL,
     type TEXT NOT NULL,
     time INTEGER NOT NULL,
     body TEXT NOT NULL,
     published_at INTEGER
   ) STRICT;
   CREATE INDEX events_unpublished ON events (position) WHERE published_at IS NULL;
   CREATE TABLE events_purged (
     only INTEGER PRIMARY KEY CHECK (only = 1),
     through INTEGER NOT NULL
   ) STRICT;
   INSERT INTO events_purged (only, through) VALUES (1, 0);`;

/**
 * The relay stops marking events: a mark rewrote the event's row and kept a partial index that every order write
 * paid an insert for. It keeps a cursor instead (see SqliteEventLog), one row rewritten per round, and per minute the
 * position below which everything was published by then, for retention. It starts below the oldest event the marks
 * left unpublished; what it re-sends above that, JetStream drops by Nats-Msg-Id. The column `published_at` stays
 * (dropping it rewrites the table), no longer written or read.
 */
export const EVENT_RELAY_CURSOR = `DROP INDEX events_unpublished;
   CREATE TABLE events_relay (
     only INTEGER PRIMARY KEY CHECK (only = 1),
     after INTEGER NOT NULL,
     owed TEXT NOT NULL DEFAULT '[]'
   ) STRICT;
   INSERT INTO events_relay (only, after) VALUES (1, coalesce(
     (SELECT min(position) - 1 FROM events WHERE published_at IS NULL),
     (SELECT max(position) FROM events),
     (SELECT through FROM events_purged)));
   CREATE TABLE events_published_below (
     minute INTEGER PRIMARY KEY,
     position INTEGER NOT NULL,
     at INTEGER NOT NULL
   ) STRICT;
   INSERT INTO events_published_below (minute, position, at)
     SELECT max(published_at) / 60000, (SELECT after + 1 FROM events_relay), max(published_at)
     FROM events WHERE published_at IS NOT NULL HAVING max(published_at) IS NOT NULL;`;

/** What one SQLite file under DATA_DIR holds: its name, and its schema versions in order. */
export interface SqliteSchema {
  readonly file: string;
  readonly migrations: readonly string[];
}

/** Schema versions in order; a database is brought up to date by the ones after its user_version. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE books (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     author TEXT NOT NULL,
     price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
     stock INTEGER NOT NULL CHECK (stock >= 0)
   ) STRICT;
   CREATE TABLE orders (
     id TEXT PRIMARY KEY,
     book_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     quantity INTEGER NOT NULL,
     unit_price_cents INTEGER NOT NULL,
     total_cents INTEGER NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     version INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC);
   CREATE TABLE stock_holds (
     order_id TEXT PRIMARY KEY,
     book_id TEXT NOT NULL,
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     returned INTEGER NOT NULL DEFAULT 0 CHECK (returned IN (0, 1))
   ) STRICT;`,
  // Recovery looks for orders resting in a status since some time.
  `CREATE INDEX orders_by_status ON orders (status, updated_at);`,
  `CREATE TABLE idempotency_keys (
     key TEXT PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     claimed_at INTEGER NOT NULL,
     completed_at INTEGER,
     response TEXT
   ) STRICT;
   CREATE INDEX idempotency_keys_by_completion ON idempotency_keys (completed_at);`,
  // The fulfilment queue walks the orders of a status oldest first; across all statuses it merges one walk per status.
  'CREATE INDEX orders_queue_by_status ON orders (status, created_at, id);',
  // Every order change records its event in the same write (the outbox the feed and the relay read).
  EVENT_LOG_TABLES,
  // The catalog as operators manage it: a version for If-Match on a book's details, and the stock ledger.
  `ALTER TABLE books ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
   CREATE TABLE stock_adjustments (
     id TEXT PRIMARY KEY,
     book_id TEXT NOT NULL,
     delta INTEGER NOT NULL CHECK (delta <> 0),
     stock_after INTEGER NOT NULL CHECK (stock_after >= 0),
     reason TEXT NOT NULL,
     at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX stock_adjustments_by_book ON stock_adjustments (book_id, at DESC, id DESC);`,
  EVENT_RELAY_CURSOR,
];

/** The embedded store: books, orders, their stock and their events. */
export const ORDER_STORE: SqliteSchema = { file: 'orders.sqlite3', migrations: MIGRATIONS };

export function migrate(db: Database.Database, schema: SqliteSchema = ORDER_STORE): void {
  const { migrations } = schema;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`${schema.file} has schema version ${current}, newer than this build knows (${migrations.length})`);
  }
  db.transaction(() => {
    migrations.slice(current).forEach((sql) => db.exec(sql));
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
