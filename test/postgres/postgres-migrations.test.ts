import { MIGRATIONS, migrate } from '../../src/adapters/outbound/postgres/postgres-migrations.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import { aBook } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const LATEST = MIGRATIONS.length;
const options = (database: TestDatabase) => ({ url: database.url, poolMax: 2, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
const versions = async (database: TestDatabase) =>
  (await database.query<{ version: number; applied_at: Date }>('SELECT version, applied_at FROM schema_migrations ORDER BY version'));

describe('PostgreSQL schema migrations', () => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  };
  afterAll(() => Promise.all(databases.map((d) => d.drop())));

  it('applies every version once; applying again changes nothing', async () => {
    const database = await fresh();
    expect(await migrate(options(database))).toEqual({ from: 0, to: LATEST });
    const applied = await versions(database);
    expect(applied.map((v) => v.version)).toEqual(Array.from({ length: LATEST }, (_, i) => i + 1));

    expect(await migrate(options(database))).toEqual({ from: LATEST, to: LATEST });
    expect(await versions(database)).toEqual(applied);
  });

  it('lets replicas that start together all succeed, with each version applied by exactly one of them', async () => {
    const database = await fresh();
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => migrate(options(database))));
    expect(outcomes.map((o) => o.from).sort()).toEqual([0, LATEST, LATEST, LATEST]);

    const other = await fresh();
    const backends = await Promise.all([openPostgresBackend(options(other)), openPostgresBackend(options(other))]);
    const seeded = await Promise.all(backends.map((b) => b.catalog!.seed([aBook({ stock: 50 })])));
    expect(seeded.map((s) => s.added).sort()).toEqual([0, 1]);
    expect((await backends[0]!.inventory.findBook(aBook().id))!.stock).toBe(50);
    await Promise.all(backends.map((b) => b.close()));
  });

  it('refuses a database whose schema is newer than this build', async () => {
    const database = await fresh();
    await migrate(options(database));
    await database.query('INSERT INTO schema_migrations (version) VALUES ($1)', [LATEST + 1]);
    await expect(migrate(options(database))).rejects.toThrow(`schema version ${LATEST + 1}, newer than this build knows`);
  });

  it('keeps stock from going below zero and ids unique, whatever a statement asks', async () => {
    const database = await fresh();
    const backend = await openPostgresBackend(options(database));
    await backend.catalog!.seed([aBook({ stock: 1 })]);
    await expect(database.query("UPDATE books SET stock = stock - 2 WHERE id = 'b1'")).rejects.toThrow(/books_stock_check/);
    await expect(database.query("INSERT INTO stock_holds (order_id, book_id, quantity) VALUES ('o', 'b1', 1), ('o', 'b1', 1)"))
      .rejects.toThrow(/stock_holds_pkey/);
    await backend.close();
  });

  it('starts the relay\'s cursor below the oldest event an older build left unpublished, or past the last one', async () => {
    const RELAY_CURSOR = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE events_relay'));
    const upTo = async (database: TestDatabase, version: number) => {
      await database.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (let v = 1; v <= version; v += 1) {
        await database.query(MIGRATIONS[v - 1]!);
        await database.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
      }
    };
    const insertEvents = (database: TestDatabase, published: boolean[]) => database.query(
      `INSERT INTO events (id, type, subject, occurred_at, body, published_at)
       SELECT 'e' || n, 't', 's', now(), '{}', CASE WHEN p THEN now() END FROM unnest($1::boolean[]) WITH ORDINALITY AS u (p, n)`,
      [published]);
    const cursor = async (database: TestDatabase) => (await database.query<{ seq: string }>('SELECT after_seq::text AS seq FROM events_relay'))[0]!.seq;
    const seqOf = async (database: TestDatabase, id: string) => (await database.query<{ seq: string }>('SELECT seq::text FROM events WHERE id = $1', [id]))[0]!.seq;

    const some = await fresh();
    await upTo(some, RELAY_CURSOR);
    await insertEvents(some, [true, true, false, true, false]);
    await migrate(options(some));
    expect(await cursor(some)).toBe(String(Number(await seqOf(some, 'e3')) - 1));

    const all = await fresh();
    await upTo(all, RELAY_CURSOR);
    await insertEvents(all, [true, true]);
    await migrate(options(all));
    expect(await cursor(all)).toBe(await seqOf(all, 'e2'));

    const none = await fresh();
    await upTo(none, RELAY_CURSOR);
    await migrate(options(none));
    expect(await cursor(none)).toBe('0');
  });
});
