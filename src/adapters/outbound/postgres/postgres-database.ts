import pg from 'pg';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import { tracing, type SpanAttributes } from '../../tracing.js';

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

/** A connection inside a transaction. */
export interface TransactionSql extends Sql {
  /**
   * Runs the transaction's last statement and COMMIT in one round trip, and ends the transaction: nothing may run
   * on it afterwards. When the statement fails, the server turns the COMMIT into a ROLLBACK.
   */
  commitWith<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A pg pool whose every failure to reach or hear from PostgreSQL becomes a DependencyFailure (503). A write that
 * fails after its COMMIT was sent is flagged outcomeUnknown: the server may have committed it before the line died.
 *
 * Connections pipeline: statements issued without waiting for the previous answer go out together, so BEGIN
 * travels with a transaction's first statement and COMMIT with its last (see `commitWith`).
 */
export class PostgresDatabase implements Sql {
  private constructor(private readonly pool: pg.Pool, readonly poolSize: number, private readonly namespace?: string) {}

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
      pipeline: true,
    });
    // An idle connection dropped by the server (restart, failover, pg_terminate_backend) is already removed by the
    // pool; without a listener Node would treat the event as an uncaught error and stop the process.
    pool.on('error', () => {});
    // A lent connection has no pool listener, and a user's (below) comes a turn late: the answer that returns a
    // connection to the pool hands it to the next waiter within the same read, and the server's last words (57P01)
    // may follow in that read. So every connection listens for its whole life; the statements it was running fail
    // on their own, and a broken connection is discarded when it is released.
    pool.on('connect', (client) => client.on('error', () => {}));
    return new PostgresDatabase(pool, options.poolMax, databaseNameOf(options.url));
  }

  /** One statement on its own, outside any transaction: for reads. */
  query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    if (tracing().enabled) return traced(this.namespace, text, () => this.send<R>(text, values));
    return this.send<R>(text, values);
  }

  private send<R extends pg.QueryResultRow>(text: string, values: readonly unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, [...values]).catch((error: unknown) => {
      throw asFailure(error);
    });
  }

  /**
   * Runs `work` in one transaction and commits when `keep` approves its result, else rolls back; a `work` that
   * ended the transaction with `commitWith` has committed already. Any error discards the connection, which makes
   * the server roll back whatever the transaction had done.
   */
  async transaction<T>(work: (sql: TransactionSql) => Promise<T>, keep: (result: T) => boolean = () => true): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw asFailure(error);
    });
    // Checked once: with tracing on, each statement is a span (BEGIN travels with the first, so within its span).
    const spans = tracing().enabled;
    let committed = false;
    try {
      // Not awaited: BEGIN goes out with the first statement of `work`, which the pipeline runs after it, in one
      // write (see `together`).
      together(client);
      const begun = run(client, 'BEGIN', []);
      begun.catch(() => {});
      const sql: TransactionSql = {
        query: (text, values = []) => (spans ? traced(this.namespace, text, () => run(client, text, values)) : run(client, text, values)),
        commitWith: (text, values = []) => {
          committed = true;
          return spans ? traced(this.namespace, text, () => commitWith(client, text, values)) : commitWith(client, text, values);
        },
      };
      const result = await work(sql);
      await begun;
      if (!committed && !keep(result)) await sql.query('ROLLBACK');
      else if (!committed) await (spans ? traced(this.namespace, 'COMMIT', () => commit(client)) : commit(client));
      client.release();
      return result;
    } catch (error) {
      client.release(true);
      throw error;
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

/**
 * What this turn sends on the connection leaves in one write, at its end. The driver writes each statement on its
 * own; on loopback every write also wakes the server's backend, which on a busy machine takes the CPU from this
 * process in the middle of a transaction's statements.
 */
function together(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
  if (!stream?.cork || !stream.uncork) return;
  stream.cork();
  process.nextTick(() => stream.uncork!());
}

/** A COMMIT that got no answer may have been applied; one the server answered with an error was not. */
const commit = (client: pg.PoolClient) =>
  client.query('COMMIT').catch((error: unknown) => {
    throw asFailure(error, !(error instanceof pg.DatabaseError));
  });

/** See TransactionSql.commitWith. An answered error means nothing was committed; a dead line, that it may have been. */
async function commitWith<R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, values: readonly unknown[]) {
  together(client);
  const [statement, committed] = await Promise.allSettled([client.query<R>(text, [...values]), client.query('COMMIT')]);
  for (const step of [statement, committed]) {
    if (step.status === 'rejected') throw asFailure(step.reason, !(step.reason instanceof pg.DatabaseError));
  }
  const commandTag = (committed as PromiseFulfilledResult<pg.QueryResult>).value.command;
  if (commandTag !== 'COMMIT') throw new Error(`PostgreSQL answered ${commandTag} to COMMIT: an earlier statement failed unseen`);
  return (statement as PromiseFulfilledResult<pg.QueryResult<R>>).value;
}

/**
 * A client span for one statement's round trip, named by its first keyword: never the SQL text, which may carry
 * values (ids, reasons) in its literals.
 */
function traced<R>(namespace: string | undefined, text: string, send: () => Promise<R>): Promise<R> {
  const operation = /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const attributes: SpanAttributes = { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.namespace': namespace };
  return tracing().child(`postgres ${operation}`, 'client', attributes, send);
}

/** The database a connection URL names, for spans; undefined when it names none or is not a URL. */
function databaseNameOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    return name || undefined;
  } catch {
    return undefined;
  }
}

/** Data, integrity and syntax errors are this service's bugs, not an outage: they stay errors (500). */
const BUG_CLASSES = new Set(['22', '23', '42']);

export function asFailure(error: unknown, outcomeUnknown = false): unknown {
  if (error instanceof pg.DatabaseError && BUG_CLASSES.has(error.code?.slice(0, 2) ?? '')) return error;
  return new DependencyFailure('database', `PostgreSQL failed: ${describeError(error)}`, { cause: error, outcomeUnknown });
}

/** The SQLSTATE of a database error, whether it is still the driver's error or already wrapped as a failure. */
export function sqlStateOf(error: unknown): string | undefined {
  const cause = error instanceof DependencyFailure ? error.options.cause : error;
  return cause instanceof pg.DatabaseError ? cause.code : undefined;
}

/** Serialization failures and deadlocks: the server rolled the transaction back, and running it again is safe. */
export const isConflict = (error: unknown): boolean => ['40001', '40P01'].includes(sqlStateOf(error) ?? '');

/** Transactions run up to this often when the server rolls them back for a conflict. */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Runs `transaction` again, from the start, each time the server rolled it back for a conflict, up to
 * CONFLICT_ATTEMPTS in all; any other failure, or the last conflict, is thrown. `transaction` must be safe to run
 * again: it decides on what it reads inside.
 */
export async function retryingConflicts<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(' ') || String(error);
}
