import { migrate } from '../../src/adapters/outbound/postgres/postgres-migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
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

  it('finds an order by id through the primary key', async () => {
    const plan = await explain('SELECT * FROM orders WHERE id = $1', ['o-0001234']);
    expect(plan.map((n) => n['Index Name'])).toContain('orders_pkey');
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
});
