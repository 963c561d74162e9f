import pg from 'pg';
import { asFailure, type PostgresOptions, type Sql } from './postgres-database.js';

/** Any fixed number will do, as long as nothing else in the database takes it (the migrations take 726150311). */
const RELAY_LOCK = 726_150_312;

/** How long a held role is trusted without asking its connection whether it is still there. */
const CHECK_EVERY_MS = 1_000;

/**
 * The relay role, one replica at a time: a session advisory lock held on a connection of its own, outside the pool,
 * so it lasts exactly as long as that session. If the connection dies, the server ends the session and frees the
 * lock for another replica; this one learns it from the connection's error, or from the next check, and asks
 * again at the next claim. Closing ends the session, which lets the role go.
 *
 * The relay's own statements run on that session too while the role is held (`query`): under load every pooled
 * connection is busy with orders, and a relay queued behind them would leave events waiting for nothing.
 */
export class RelayClaim {
  private client?: pg.Client;
  private held = false;
  private checkedAt = 0;
  private asking?: Promise<boolean>;
  private closed = false;
  private terms = 0;

  constructor(private readonly options: PostgresOptions) {}

  /** Counts the times this process took the role: what it knew while it held it before may be stale now. */
  get term(): number {
    return this.terms;
  }

  /** Whether the role taken in `term` is still held, as far as this process knows (the next statement checks). */
  holds(term: number): boolean {
    return this.held && this.client !== undefined && this.terms === term;
  }

  /** True while this process holds the role; rejects with a DependencyFailure when the database cannot say. */
  claim(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.asking ??= this.ask().finally(() => {
      this.asking = undefined;
    });
    return this.asking;
  }

  /** Runs a statement on the role's session while this process holds the role, else on `otherwise` (the pool). */
  async query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[], otherwise: Sql): Promise<pg.QueryResult<R>> {
    const client = this.held ? this.client : undefined;
    if (!client) return otherwise.query<R>(text, values);
    try {
      return await client.query<R>(text, [...values]);
    } catch (error) {
      const failure = asFailure(error);
      // A statement the server refused leaves the session as it was; anything else, and it is not trusted again.
      if (!(error instanceof pg.DatabaseError) && this.client === client) await this.drop();
      throw failure;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.asking?.catch(() => {});
    // Ending the session frees the lock too; unlocking first means it is free by the time close resolves.
    if (this.held) await this.client?.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]).catch(() => {});
    await this.drop();
  }

  private async ask(): Promise<boolean> {
    try {
      if (this.held && this.client) {
        if (Date.now() - this.checkedAt >= CHECK_EVERY_MS) {
          await this.client.query('SELECT 1');
          this.checkedAt = Date.now();
        }
        return this.held;
      }
      const client = this.client ?? (await this.connect());
      const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1) AS held', [RELAY_LOCK]);
      this.held = rows[0]!.held;
      if (this.held) this.terms += 1;
      this.checkedAt = Date.now();
      return this.held;
    } catch (error) {
      // Whatever the state of that session, it is not trusted again: the next claim starts a new one.
      await this.drop();
      throw asFailure(error);
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
      query_timeout: this.options.statementTimeoutMs + 1_000,
      keepAlive: true,
      application_name: 'order-service-relay',
      // This session writes nothing but the relay's cursor. A save lost to a crash only sends its events again,
      // which JetStream drops by their Nats-Msg-Id (and consumers deduplicate on the id); waiting for a WAL flush
      // per round would cost the orders' commits theirs.
      options: '-c synchronous_commit=off',
    });
    // A session the server ended (restart, failover, pg_terminate_backend) took the lock with it.
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.held = false;
    };
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    await client.connect();
    return client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    await client?.end().catch(() => {});
  }
}
