import * as E from 'fp-ts/lib/Either.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import { installTracing, NO_TRACING, type SpanAttributes, type Tracing } from '../../src/adapters/tracing.js';
import { aBook, bookId } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

interface Recorded {
  readonly name: string;
  readonly kind: string;
  readonly attributes: SpanAttributes;
}

/** A tracing that records the child spans it is asked for and runs their work as the real one does. */
function recordingTracing(spans: Recorded[]): Tracing {
  return {
    ...NO_TRACING,
    enabled: true,
    child: (name, kind, attributes, work) => {
      spans.push({ name, kind, attributes });
      return work();
    },
  };
}

describe('PostgreSQL client spans', () => {
  const OPTIONS = { poolMax: 2, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 };
  let database: TestDatabase;
  let db: PostgresDatabase;
  const spans: Recorded[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = PostgresDatabase.open({ url: database.url, ...OPTIONS });
  });
  afterEach(() => {
    installTracing(NO_TRACING);
    spans.length = 0;
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('records one client span per statement, named by its operation, with no SQL text or values', async () => {
    installTracing(recordingTracing(spans));
    await db.query("SELECT $1::text AS secret", ['hunter2']);
    const answers = await db.transaction(async (sql) => {
      // Pipelined, as the adapters send them: both must still go out and come back.
      const [a, b] = await Promise.all([sql.query<{ n: number }>('SELECT 1 AS n'), sql.query<{ n: number }>('  select 2 AS n')]);
      const c = await sql.commitWith<{ n: number }>('WITH x AS (SELECT 3 AS n) SELECT n FROM x');
      return [a.rows[0]!.n, b.rows[0]!.n, c.rows[0]!.n];
    });
    expect(answers).toEqual([1, 2, 3]);
    await db.transaction(async (sql) => sql.query('SELECT 4'));
    await db.transaction(async (sql) => sql.query('SELECT 5'), () => false);

    expect(spans.map((s) => s.name)).toEqual([
      'postgres SELECT', 'postgres SELECT', 'postgres SELECT', 'postgres WITH',
      'postgres SELECT', 'postgres COMMIT', 'postgres SELECT', 'postgres ROLLBACK',
    ]);
    for (const span of spans) {
      expect(span.kind).toBe('client');
      expect(span.attributes).toEqual({
        'db.system.name': 'postgresql',
        'db.operation.name': span.name.slice('postgres '.length),
        'db.namespace': database.name,
      });
    }
  });

  it('records nothing with tracing off', async () => {
    await db.query('SELECT 1');
    await db.transaction((sql) => sql.commitWith('SELECT 1'));
    expect(spans).toEqual([]);
  });

  it('traces each statement of a stock adjustment, which still applies', async () => {
    const backend = await openPostgresBackend({ url: database.url, ...OPTIONS });
    try {
      await backend.catalog!.seed([aBook({ id: bookId('b-traced'), stock: 1 })]);
      installTracing(recordingTracing(spans));
      const done = await backend.books!.adjustStock({ id: 'adj-traced', bookId: bookId('b-traced'), delta: 2, reason: 'restock', at: new Date() });
      expect(E.isRight(done) && done.right.stock).toBe(3);
      expect(spans.map((s) => s.name)).toEqual(['postgres SELECT', 'postgres SELECT', 'postgres SELECT', 'postgres WITH']);
    } finally {
      installTracing(NO_TRACING);
      await backend.close();
    }
  });
});
