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
});
