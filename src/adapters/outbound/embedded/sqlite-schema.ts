import type Database from 'better-sqlite3';

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
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the embedded store has schema version ${current}, newer than this build knows (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    MIGRATIONS.slice(current).forEach((sql) => db.exec(sql));
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
