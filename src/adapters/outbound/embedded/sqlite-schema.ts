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
