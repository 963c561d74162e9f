import pg from 'pg';
import { DependencyFailure } from '../../../application/dependency-failure.js';

export interface PostgresOptions {
  readonly url: string;
  readonly poolMax: number;
  /** Bounds both opening a connection and waiting for a free one in the pool. */
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

/** What the adapters may do with a connection: run parameterised statements. */
export interface Sql {
  query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A pg pool whose every failure to reach or hear from PostgreSQL becomes a DependencyFailure (503). A write that
 * fails after its COMMIT was sent is flagged outcomeUnknown: the server may have committed it before the line died.
 */
export class PostgresDatabase implements Sql {
  private constructor(private readonly pool: pg.Pool) {}

  static open(options: PostgresOptions): PostgresDatabase {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      // The server's timeout fires first; this one catches a server or network that has stopped answering.
      query_timeout: options.statementTimeoutMs + 1_000,
      // A replica cut off mid-transaction must not keep rows locked for the others until TCP gives up.
      idle_in_transaction_session_timeout: options.statementTimeoutMs,
      keepAlive: true,
      application_name: 'order-service',
    });
    // An idle connection dropped by the server (restart, failover, pg_terminate_backend) is already removed by the
    // pool; without a listener Node would treat the event as an uncaught error and stop the process.
    pool.on('error', () => {});
    return new PostgresDatabase(pool);
  }

  /** One statement on its own, outside any transaction: for reads. */
  query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, [...values]).catch((error: unknown) => {
      throw asFailure(error);
    });
  }

  /**
   * Runs `work` in one transaction and commits when `keep` approves its result, else rolls back. Any error
   * discards the connection, which makes the server roll back whatever the transaction had done.
   */
  async transaction<T>(work: (sql: Sql) => Promise<T>, keep: (result: T) => boolean = () => true): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw asFailure(error);
    });
    // A connection that dies between two statements is reported as an event; unheard, it would crash the process.
    const ignore = () => {};
    client.on('error', ignore);
    let failed: unknown;
    try {
      const sql: Sql = { query: (text, values = []) => run(client, text, values) };
      await sql.query('BEGIN');
      const result = await work(sql);
      await (keep(result) ? commit(client) : sql.query('ROLLBACK'));
      return result;
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(failed === undefined ? undefined : true);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

const run = <R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, values: readonly unknown[]) =>
  client.query<R>(text, [...values]).catch((error: unknown) => {
    throw asFailure(error);
  });

/** A COMMIT that got no answer may have been applied; one the server answered with an error was not. */
const commit = (client: pg.PoolClient) =>
  client.query('COMMIT').catch((error: unknown) => {
    throw asFailure(error, !(error instanceof pg.DatabaseError));
  });

/** Data, integrity and syntax errors are this service's bugs, not an outage: they stay errors (500). */
const BUG_CLASSES = new Set(['22', '23', '42']);

function asFailure(error: unknown, outcomeUnknown = false): unknown {
  if (error instanceof pg.DatabaseError && BUG_CLASSES.has(error.code?.slice(0, 2) ?? '')) return error;
  return new DependencyFailure('database', `PostgreSQL failed: ${describeError(error)}`, { cause: error, outcomeUnknown });
}

export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(' ') || String(error);
}
