import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import { migrate } from './sqlite-schema.js';

export type SynchronousMode = 'full' | 'normal';

export interface SqliteOptions {
  readonly dataDir: string;
  /** `full` (default) survives power loss; `normal` survives a crash of the process, not of the machine. */
  readonly synchronous: SynchronousMode;
  /** Most operations one commit may carry. */
  readonly maxBatch?: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One SQLite file in WAL mode with group commit. Writes run at once, each in its own savepoint inside a
 * transaction shared by everything that arrives in the same turn of the event loop; that transaction commits on
 * the next turn, and only then does any caller's promise settle. So each caller is answered after its write is
 * durable, and a burst of N orders costs one commit instead of N. Reads made while a batch is open wait for it
 * too, so nobody is shown a write that could still roll back.
 */
export class SqliteDatabase {
  private waiters: Waiter[] | undefined;
  private readonly maxBatch: number;

  private constructor(readonly db: Database.Database, maxBatch: number) {
    this.maxBatch = maxBatch;
  }

  static open(options: SqliteOptions): SqliteDatabase {
    mkdirSync(options.dataDir, { recursive: true });
    const db = new Database(join(options.dataDir, 'orders.sqlite3'));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteDatabase(db, options.maxBatch ?? 1000);
  }

  write<T>(work: () => T): Promise<T> {
    try {
      if (!this.waiters) this.begin();
      const value = this.inSavepoint(work);
      const settled = this.settleWithBatch(value);
      if (this.waiters!.length >= this.maxBatch) this.commit();
      return settled;
    } catch (error) {
      return Promise.reject(asDependencyFailure(error));
    }
  }

  read<T>(work: () => T): Promise<T> {
    try {
      const value = work();
      return this.waiters ? this.settleWithBatch(value) : Promise.resolve(value);
    } catch (error) {
      return Promise.reject(asDependencyFailure(error));
    }
  }

  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.waiters) this.commit();
    if (this.db.open) this.db.close();
  }

  private begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
    this.waiters = [];
    setImmediate(() => this.commit());
  }

  private inSavepoint<T>(work: () => T): T {
    this.db.exec('SAVEPOINT op');
    try {
      const value = work();
      this.db.exec('RELEASE op');
      return value;
    } catch (error) {
      this.db.exec('ROLLBACK TO op');
      this.db.exec('RELEASE op');
      throw error;
    }
  }

  private settleWithBatch<T>(value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.waiters!.push({ resolve: () => resolve(value), reject }));
  }

  private commit(): void {
    const waiters = this.waiters;
    if (!waiters) return;
    this.waiters = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const failure = asDependencyFailure(error);
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }
}

const asDependencyFailure = (error: unknown): unknown =>
  error instanceof Database.SqliteError || (error instanceof TypeError && /database connection is not open/.test(error.message))
    ? new DependencyFailure('embedded-store', `embedded store failed: ${(error as { code?: string }).code ?? 'closed'}`, { cause: error })
    : error;
