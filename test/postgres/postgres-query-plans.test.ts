import { CATALOG_SQL } from '../../src/adapters/outbound/postgres/postgres-catalog.adapter.js';
import { EVENT_LOG_SQL } from '../../src/adapters/outbound/postgres/postgres-event-log.adapter.js';
import { FEED_HEAD_SQL } from '../../src/adapters/outbound/postgres/postgres-feed-head.js';
import { migrate } from '../../src/adapters/outbound/postgres/postgres-migrations.js';
import { STOCK_ADJUSTMENT_SQL } from '../../src/adapters/outbound/postgres/postgres-stock-adjustment.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * A guard on the plans the 1M-row EXPLAIN check found (see the README): lookups by id, pages of a user's list and
 * recovery's scans walk an index, and pages never sort, so their cost grows with neither the table nor the user.
 */
describe('PostgreSQL query plans', () => {
  let database: TestDatabase;
  const explain = async (sql: string, values: unknown[]) => {
    const rows = await database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, values);
    return nodes(rows[0]!['QUERY PLAN'][0].Plan);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate({ url: database.url, connectTimeoutMs: 2_000 });
    await database.query(`
      INSERT INTO orders (id, book_id, user_id, quantity, unit_price_cents, total_cents, status, created_at, updated_at, version)
      SELECT 'o-' || lpad(g::text, 7, '0'), 'b1', CASE WHEN g % 4 = 0 THEN 'heavy' ELSE 'u' || (g % 500) END, 1, 1010, 1010,
             'confirmed', timestamptz '2026-01-01' + (g / 3) * interval '1 second', timestamptz '2026-01-01', 1
      FROM generate_series(1, 20000) AS g`);
    await database.query('ANALYZE orders');
  });
  afterAll(() => database.drop());

  it('finds orders by id through the primary key, one or a turn\'s worth at once', async () => {
    for (const ids of [['o-0001234'], ['o-0001234', 'o-0000007', 'o-0019999']]) {
      const plan = await explain('SELECT * FROM orders WHERE id = ANY($1::text[])', [ids]);
      expect(plan.map((n) => n['Index Name'])).toContain('orders_pkey');
      expect(plan.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    }
  });

  it('reads a page of a user\'s orders in index order, starting at the position, with no sort', async () => {
    const first = await explain(
      'SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 51', ['heavy']);
    const after = await explain(
      'SELECT * FROM orders WHERE user_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 51',
      ['heavy', '2026-01-01T01:00:00Z', 'o-0010800']);
    for (const plan of [first, after]) {
      expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(plan.find((n) => n['Index Name'] === 'orders_by_user')).toBeDefined();
    }
    expect(after.find((n) => n['Index Name'] === 'orders_by_user')!['Index Cond']).toMatch(/ROW\(created_at, id\) < ROW/);
  });

  it('finds the orders recovery has to settle through the status index', async () => {
    const plan = await explain(
      "SELECT * FROM orders WHERE status = 'pending' AND updated_at < $1 ORDER BY updated_at LIMIT 100", ['2026-01-02T00:00:00Z']);
    expect(plan.map((n) => n['Index Name'])).toContain('orders_by_status');
  });

  it('locks an order with its hold through both primary keys, and a batch\'s books in id order through theirs', async () => {
    await database.query(`INSERT INTO books (id, title, author, price_cents, stock)
      SELECT 'b' || g, 'T', 'A', 1010, 100 FROM generate_series(1, 5000) AS g`);
    await database.query("INSERT INTO stock_holds (order_id, book_id, quantity) SELECT id, book_id, 1 FROM orders");
    await database.query('ANALYZE books');
    await database.query('ANALYZE stock_holds');
    const order = await explain(
      `SELECT o.id, o.status, h.returned FROM orders o LEFT JOIN stock_holds h ON h.order_id = o.id
       WHERE o.id = $1 FOR UPDATE OF o`, ['o-0001234']);
    expect(order[0]!['Node Type']).toBe('LockRows');
    expect(order.map((n) => n['Index Name'])).toEqual(expect.arrayContaining(['orders_pkey', 'stock_holds_pkey']));
    const books = await explain('SELECT id, stock FROM books WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [['b1', 'b2']]);
    // Rows are locked as they come up from below the lock: sorted, whatever order the ids were asked in.
    expect(books[0]!['Node Type']).toBe('LockRows');
    expect(books.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  });

  it('pages the catalog by id and a book\'s ledger newest first through their indexes, with no sort', async () => {
    await database.query(`INSERT INTO books (id, title, author, price_cents, stock)
      SELECT 'b' || g, 'T', 'A', 1010, 100 FROM generate_series(1, 5000) AS g ON CONFLICT (id) DO NOTHING`);
    await database.query(`INSERT INTO stock_adjustments (id, book_id, delta, stock_after, reason, at)
      SELECT 'a-' || lpad(g::text, 6, '0'), 'b' || (g % 200 + 1), 1, 100, 'restock', timestamptz '2026-01-01' + (g / 7) * interval '1 second'
      FROM generate_series(1, 20000) AS g`);
    await database.query('ANALYZE books');
    await database.query('ANALYZE stock_adjustments');
    for (const plan of [await explain(CATALOG_SQL.FIRST_BOOKS, [51]), await explain(CATALOG_SQL.BOOKS_AFTER, [51, 'b2500'])]) {
      expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(plan.map((n) => n['Index Name'])).toContain('books_pkey');
    }
    const first = await explain(CATALOG_SQL.FIRST_ENTRIES, ['b7', 51]);
    const after = await explain(CATALOG_SQL.ENTRIES_AFTER, ['b7', 51, '2026-01-01T01:00:00Z', 'a-010000']);
    for (const plan of [first, after]) {
      expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(plan.map((n) => n['Index Name'])).toContain('stock_adjustments_by_book');
    }
    expect(after.find((n) => n['Index Name'] === 'stock_adjustments_by_book')!['Index Cond']).toMatch(/ROW\(at, id\) < ROW/);
    // An adjustment reads its book's newest entry with one probe of the same index, and locks the book by its key.
    expect((await explain(STOCK_ADJUSTMENT_SQL.LATEST_ENTRY, ['b7'])).map((n) => n['Index Name'])).toContain('stock_adjustments_by_book');
    const lock = await explain(STOCK_ADJUSTMENT_SQL.LOCK_BOOK, ['b7']);
    expect(lock[0]!['Node Type']).toBe('LockRows');
    expect(lock.map((n) => n['Index Name'])).toContain('books_pkey');
  });

  describe('the event log', () => {
    beforeAll(async () => {
      // 20,000 events, one in a hundred unpublished, written by 40 transactions.
      for (let tx = 0; tx < 40; tx += 1) {
        await database.query(`INSERT INTO events (id, type, subject, occurred_at, body, published_at)
          SELECT 'o' || g || '.' || $1, 'com.avakart.order.confirmed', 'o' || g, now(), repeat('x', 600),
                 CASE WHEN g % 100 = 0 THEN NULL ELSE now() END
          FROM generate_series(1, 500) AS g`, [tx]);
      }
      await database.query('ANALYZE events');
    });
    const middle = async () =>
      (await database.query<{ tx: string; seq: string }>('SELECT e.tx::text AS tx, e.seq::text AS seq FROM events e ORDER BY e.tx, e.seq OFFSET 10000 LIMIT 1'))[0]!;

    it('serves a feed page by walking the primary key from the cursor up to the gate, with no sort', async () => {
      const { tx, seq } = await middle();
      for (const plan of [await explain(EVENT_LOG_SQL.READ_AFTER, [tx, seq, 100]), await explain(EVENT_LOG_SQL.READ_FROM_START, [100])]) {
        expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
        expect(plan.map((n) => n['Node Type'])).not.toContain('Seq Scan on events');
        const walk = plan.find((n) => n['Index Name'] === 'events_pkey')!;
        expect(walk['Index Cond']).toMatch(/ROW\(tx, seq\) > ROW\(.*tx < pg_snapshot_xmin\(pg_current_snapshot\(\)\)/);
      }
    });

    it('finds the feed\'s head with one backward probe of the primary key', async () => {
      const plan = await explain(FEED_HEAD_SQL, []);
      const probe = plan.find((n) => n['Index Name'] === 'events_pkey')!;
      expect(probe['Scan Direction']).toBe('Backward');
      expect(probe['Index Cond']).toMatch(/tx < pg_snapshot_xmin/);
    });

    it('hands the relay a page past its cursor, late and owed events by key, and counts its backlog the same way', async () => {
      const { tx, seq } = await middle();
      for (const plan of [
        await explain(EVENT_LOG_SQL.RELAY_READ, [tx, seq, 256, ['7', '9'], ['8'], ['3']]),
        await explain(EVENT_LOG_SQL.BACKLOG, []),
      ]) {
        expect(plan.map((n) => n['Node Type'])).not.toContain('Sort');
        expect(plan.map((n) => n['Index Name'])).toContain('events_pkey');
        expect(plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name' as keyof PlanNode] === 'events')).toEqual([]);
      }
    });

    it('purges by walking the primary key from the oldest event, never the whole table', async () => {
      const plan = await explain(EVENT_LOG_SQL.PURGE, [new Date(), true, 5_000, String(Math.floor(Date.now() / 60_000))]);
      expect(plan.map((n) => n['Index Name'])).toContain('events_pkey');
      expect(plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name' as keyof PlanNode] === 'events')).toEqual([]);
    });
  });
});
