import pg from 'pg';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import { describeError } from './postgres-database.js';

/**
 * Schema versions in order; version n is MIGRATIONS[n - 1]. Never edit one that has shipped: append a new one.
 * Ids are compared byte by byte (COLLATE "C") so that ties in a user's list are ordered as every other backend
 * orders them, whatever the database's default collation.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE books (
     id text COLLATE "C" PRIMARY KEY,
     title text NOT NULL,
     author text NOT NULL,
     price_cents bigint NOT NULL CHECK (price_cents >= 0),
     stock integer NOT NULL CHECK (stock >= 0)
   );
   CREATE TABLE orders (
     id text COLLATE "C" PRIMARY KEY,
     book_id text COLLATE "C" NOT NULL,
     user_id text COLLATE "C" NOT NULL,
     quantity integer NOT NULL CHECK (quantity > 0),
     unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
     total_cents bigint NOT NULL CHECK (total_cents >= 0),
     status text NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     version integer NOT NULL CHECK (version >= 1)
   );
   CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC);
   CREATE TABLE stock_holds (
     order_id text COLLATE "C" PRIMARY KEY,
     book_id text COLLATE "C" NOT NULL,
     quantity integer NOT NULL CHECK (quantity > 0),
     returned smallint NOT NULL DEFAULT 0 CHECK (returned IN (0, 1))
   );`,
  // Recovery looks for orders resting in a status since some time.
  'CREATE INDEX orders_by_status ON orders (status, updated_at);',
  `CREATE TABLE idempotency_keys (
     key text COLLATE "C" PRIMARY KEY,
     fingerprint text NOT NULL,
     claimed_at timestamptz NOT NULL,
     completed_at timestamptz,
     response text
   );
   CREATE INDEX idempotency_keys_by_completion ON idempotency_keys (completed_at);`,
  // The fulfilment queue walks the orders of a status oldest first; across all statuses it merges one walk per status.
  'CREATE INDEX orders_queue_by_status ON orders (status, created_at, id);',
  // The outbox and the feed. An event's position is (tx, seq): the id of the transaction that wrote it, then a
  // serial that only orders the events of one transaction; the feed walks the primary key (see PostgresEventLog
  // for why not seq alone). The relay walks the unpublished ones; events_purged remembers how far purging went.
  `CREATE TABLE events (
     tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
     seq bigserial NOT NULL,
     id text COLLATE "C" NOT NULL,
     type text NOT NULL,
     subject text COLLATE "C" NOT NULL,
     occurred_at timestamptz NOT NULL,
     body text NOT NULL,
     published_at timestamptz,
     PRIMARY KEY (tx, seq)
   );
   CREATE UNIQUE INDEX events_by_id ON events (id);
   CREATE INDEX events_unpublished ON events (tx, seq) WHERE published_at IS NULL;
   CREATE TABLE events_purged (
     only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
     tx xid8 NOT NULL,
     seq bigint NOT NULL
   );
   INSERT INTO events_purged (tx, seq) VALUES ('0', 0);`,
  // The managed catalog: a book's version (If-Match on PUT /books/{id}), and the ledger of stock adjustments,
  // read a page at a time per book, newest first, by walking its index from the cursor.
  `ALTER TABLE books ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
   CREATE TABLE stock_adjustments (
     id text COLLATE "C" PRIMARY KEY,
     book_id text COLLATE "C" NOT NULL REFERENCES books (id),
     delta integer NOT NULL CHECK (delta <> 0),
     stock_after integer NOT NULL CHECK (stock_after >= 0),
     reason text NOT NULL,
     at timestamptz NOT NULL
   );
   CREATE INDEX stock_adjustments_by_book ON stock_adjustments (book_id, at DESC, id DESC);`,
  // The relay marks what it published by primary key: the index on the event id only cost every order write an
  // insert at a random place. (A replica of an older build, during a rolling update, still marks by id: slowly,
  // by a scan of the unpublished, but correctly.)
  'DROP INDEX events_by_id;',
  // The relay stops marking events: a mark rewrote the whole event row, and kept a partial index that every order
  // write paid an insert for. It keeps a cursor instead (see RelayCursorState), one row rewritten per round, and
  // per minute the position below which everything was published by then, for retention. It starts below the
  // oldest event the marks left unpublished; what it re-sends above that, JetStream drops by Nats-Msg-Id.
  // published_at stays for replicas of an older build during a rolling update, unindexed and no longer read.
  `DROP INDEX events_unpublished;
   CREATE TABLE events_relay (
     only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
     after_tx xid8 NOT NULL,
     after_seq bigint NOT NULL,
     late xid8[] NOT NULL DEFAULT '{}',
     owed_tx xid8[] NOT NULL DEFAULT '{}',
     owed_seq bigint[] NOT NULL DEFAULT '{}'
   );
   INSERT INTO events_relay (after_tx, after_seq)
     SELECT coalesce(min(tx), '0'), coalesce(min(seq) - 1, 0) FROM (
       (SELECT tx, seq FROM events WHERE published_at IS NULL ORDER BY tx, seq LIMIT 1)
       UNION ALL (SELECT tx, seq + 1 FROM events WHERE NOT EXISTS (SELECT 1 FROM events WHERE published_at IS NULL)
                  ORDER BY tx DESC, seq DESC LIMIT 1)
     ) first_owed (tx, seq);
   CREATE TABLE events_published_below (
     minute bigint PRIMARY KEY,
     tx xid8 NOT NULL,
     seq bigint NOT NULL,
     at timestamptz NOT NULL
   );`,
];

/** Any fixed number will do, as long as nothing else in the database takes the same advisory lock. */
const MIGRATION_LOCK = 726_150_311;

export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the database up to the latest schema version. Replicas starting together queue on an advisory lock, so
 * each migration runs once; whoever gets the lock second finds nothing left to do.
 */
export async function migrate(options: { readonly url: string; readonly connectTimeoutMs: number }): Promise<MigrationOutcome> {
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'order-service-migrate',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new DependencyFailure('database', `cannot reach PostgreSQL to migrate: ${describeError(error)}`, { cause: error });
  }
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
    const from = rows[0]!.version;
    if (from > MIGRATIONS.length) {
      throw new Error(`the database has schema version ${from}, newer than this build knows (${MIGRATIONS.length})`);
    }
    for (let version = from + 1; version <= MIGRATIONS.length; version += 1) {
      await client.query('BEGIN');
      await client.query(MIGRATIONS[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      await client.query('COMMIT');
    }
    return { from, to: MIGRATIONS.length };
  } finally {
    // Ending the session also releases the advisory lock, even when a migration failed half-way.
    await client.end().catch(() => {});
  }
}
