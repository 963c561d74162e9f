import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use: the machine's, or the embedded one globalSetup starts when none answers there. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** One statement on a short-lived connection of its own, for setting up and inspecting. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Drops the database, cutting whatever is still connected to it. */
  drop(): Promise<void>;
}

/** A throwaway database on the local server, so test files never see each other's data or other engineers'. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `order_test_${randomBytes(6).toString('hex')}`;
  // template0, because CREATE DATABASE from template1 fails while anyone else happens to be connected to it.
  await runOnce(POSTGRES_ADMIN_URL, `CREATE DATABASE ${name} TEMPLATE template0`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: (text, values) => runOnce(url.toString(), text, values),
    drop: async () => {
      await runOnce(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function runOnce<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
