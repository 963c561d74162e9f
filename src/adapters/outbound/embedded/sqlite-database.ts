import { tracing } from '../../tracing.js';
import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import type { EventRenderer } from '../events/cloud-event.js';
import { migrate, ORDER_STORE, type SqliteSchema } from './sqlite-schema.js';

export type SynchronousMode = 'full' | 'normal';

const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export interface SqliteOptions {
  readonly dataDir: string;
  /** `full` (default) survives power loss; `normal` survives a crash of the process, not of the machine. */
  readonly synchronous: SynchronousMode;
  /** Most operations one commit may carry. */
  readonly maxBatch?: number;
  /** How events are rendered for the outbox; the default CloudEvents renderer when absent. */
  readonly render?: EventRenderer;
  /** How the WAL is flushed in `full` mode; tests replace it to hold a flush back. */
  readonly syncWal?: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

/** The callers of one transaction: answered once it has committed and is on disk (in `normal` mode, at COMMIT). */
class Batch {
  durable = false;
  private waiters: Waiter[] = [];

  wait<T>(value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.waiters.push({ resolve: () => resolve(value), reject }));
  }

  get size(): number {
    return this.waiters.length;
  }

  markDurable(): void {
    if (this.durable) return;
    this.durable = true;
    this.waiters.forEach((waiter) => waiter.resolve());
    this.waiters = [];
  }

  fail(error: unknown): void {
    if (this.durable) return;
    this.durable = true;
    this.waiters.forEach((waiter) => waiter.reject(error));
    this.waiters = [];
  }
}

/**
 * One SQLite file in WAL mode with group commit. Writes run at once, each in its own savepoint inside a
 * transaction shared by everything that arrives in the same turn of the event loop; that transaction commits on
 * the next turn, and only then does any caller's promise settle. A burst of N orders costs one commit instead
 * of N. A write answers once its transaction is durable; reads made while a write is not yet durable wait for it
 * too, so nobody is shown a write that could still be lost. Each operation of the adapters is one write, so an
 * order and its stock always commit together.
 *
 * In `full` mode the commit itself does not wait for the disk: the WAL is flushed with fdatasync on libuv's
 * thread pool, and the callers of every transaction committed before that flush began are answered when it
 * returns. That is SQLite's own synchronous=FULL guarantee (the WAL is synced after each commit, before anyone
 * is told), without stopping the event loop for the flush, and with the next transaction already filling while
 * the disk works. A failed flush fails the store for good: nothing can say which answered writes reached the
 * disk, so it refuses everything until a restart recovers the WAL from what is really there.
 */
export class SqliteDatabase {
  private open: Batch | undefined;
  /** The most recent transaction: what a read must wait for, until it is durable. */
  private newest: Batch | undefined;
  private unsynced: Batch[] = [];
  private syncing: Batch[] | undefined;
  private failure: unknown;
  private closed = false;
  /** A read transaction is open, shared by the reads of this turn of the event loop (there is no write batch). */
  private reading = false;
  private readonly durableListeners: Array<() => void> = [];
  private readonly rollbackListeners: Array<() => void> = [];
  // Prepared once: parsing these on every write cost more than running them.
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly beginWrite: Database.Statement;
  private readonly beginRead: Database.Statement;
  private readonly commitStatement: Database.Statement;

  private constructor(
    readonly db: Database.Database,
    private readonly maxBatch: number,
    /** The WAL file, flushed by this class in `full` mode; absent in `normal` mode. */
    private readonly walFd: number | undefined,
    private readonly syncWal: NonNullable<SqliteOptions['syncWal']>,
  ) {
    this.savepoint = db.prepare('SAVEPOINT op');
    this.release = db.prepare('RELEASE op');
    this.beginWrite = db.prepare('BEGIN IMMEDIATE');
    this.beginRead = db.prepare('BEGIN DEFERRED');
    this.commitStatement = db.prepare('COMMIT');
  }

  static open(options: SqliteOptions, schema: SqliteSchema = ORDER_STORE): SqliteDatabase {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, schema.file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    // SQLite checkpoints inside the COMMIT that takes the WAL past this many pages, while the event loop waits.
    // Every order rewrites the same hot pages (the book's row, the tail of each index), and a checkpoint copies
    // only the last version of each page: at 10,000 pages (about 40 MiB of WAL) the copying per order is about
    // half what it is at SQLite's default of 1,000, and the stalls come ten times less often.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    // Each write runs in a savepoint, and SQLite keeps the undo copies of the pages it touches in a temporary file
    // by default: writing them there was about 40% of a placement's time in the store (more with its event). In
    // memory they are freed at each RELEASE, and a crash needs none of them: the WAL alone makes a commit durable.
    db.pragma('temp_store = MEMORY');
    migrate(db, schema); // a write transaction: the WAL file exists from here on, as long as this connection is open
    let walFd: number | undefined;
    if (options.synchronous === 'full' && existsSync(`${file}-wal`)) walFd = openSync(`${file}-wal`, 'r');
    // With our own flush after each commit, SQLite's NORMAL plus that flush is its FULL; without it, FULL itself.
    db.pragma(`synchronous = ${options.synchronous === 'normal' || walFd !== undefined ? 'NORMAL' : 'FULL'}`);
    return new SqliteDatabase(db, options.maxBatch ?? 1000, walFd, options.syncWal ?? fdatasync);
  }

  write<T>(work: () => T): Promise<T> {
    const traces = tracing();
    // With tracing on, a span from the write to its commit being durable (shared with the batch it joined).
    if (traces.enabled) return traces.child('sqlite commit', 'internal', { 'db.system.name': 'sqlite' }, () => this.writeNow(work));
    return this.writeNow(work);
  }

  private writeNow<T>(work: () => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    try {
      const batch = this.open ?? this.begin();
      const settled = batch.wait(this.inSavepoint(work));
      if (batch.size >= this.maxBatch) this.commit();
      return settled;
    } catch (error) {
      return Promise.reject(asDependencyFailure(error));
    }
  }

  read<T>(work: () => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    try {
      if (!this.open && !this.reading) this.startReading();
      return this.shown(work());
    } catch (error) {
      return Promise.reject(asDependencyFailure(error));
    }
  }

  /**
   * A value this process already knows the store holds (it wrote or read it), answered as a read would be: once
   * every transaction committed so far is durable.
   */
  shown<T>(value: T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return this.newest && !this.newest.durable ? this.newest.wait(value) : Promise.resolve(value);
  }

  /**
   * Calls `listener` each time transactions have become durable, right after their callers were answered: the
   * moment their writes may be shown to anyone (the event feed's long-polls wake on it).
   */
  onDurable(listener: () => void): void {
    this.durableListeners.push(listener);
  }

  /**
   * Calls `listener` whenever writes this connection made are undone (a write's savepoint rolled back, a commit
   * that failed, the store failing): whatever was remembered of them must be forgotten.
   */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  ping(): void {
    if (this.failure) throw this.failure;
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopReading();
    if (this.open) this.commit();
    const pending = [...(this.syncing ?? []), ...this.unsynced];
    this.unsynced = [];
    if (pending.length && this.walFd !== undefined && !this.failure) {
      try {
        fdatasyncSync(this.walFd);
        pending.forEach((batch) => batch.markDurable());
        this.announceDurable();
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.walFd !== undefined && !this.syncing) closeSync(this.walFd);
    if (this.db.open) this.db.close();
  }

  /**
   * Opens one read transaction for every read of this turn, ended on the next: a statement outside a transaction
   * takes and drops the WAL's shared-memory read lock itself (two fcntl calls), which was most of what a get by id
   * cost in the store. The reads inside a write batch run in its transaction instead.
   */
  private startReading(): void {
    this.beginRead.run();
    this.reading = true;
    setImmediate(() => this.stopReading());
  }

  private stopReading(): void {
    if (!this.reading) return;
    this.reading = false;
    if (this.db.open && this.db.inTransaction) this.commitStatement.run();
  }

  private begin(): Batch {
    this.stopReading();
    this.beginWrite.run();
    const batch = new Batch();
    this.open = batch;
    this.newest = batch;
    setImmediate(() => this.commit());
    return batch;
  }

  private inSavepoint<T>(work: () => T): T {
    this.savepoint.run();
    try {
      const value = work();
      this.release.run();
      return value;
    } catch (error) {
      this.announceRollback();
      this.db.exec('ROLLBACK TO op');
      this.db.exec('RELEASE op');
      throw error;
    }
  }

  private commit(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    try {
      this.commitStatement.run();
    } catch (error) {
      this.announceRollback();
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      batch.fail(asDependencyFailure(error));
      return;
    }
    if (this.walFd === undefined) {
      batch.markDurable();
      return this.announceDurable();
    }
    this.unsynced.push(batch);
    this.flush();
  }

  /** Starts one fdatasync for every transaction committed so far, unless one is running (its end starts the next). */
  private flush(): void {
    if (this.syncing || !this.unsynced.length || this.failure) return;
    const covered = this.unsynced;
    this.syncing = covered;
    this.unsynced = [];
    this.syncWal(this.walFd!, (error) => {
      if (this.closed) {
        this.syncing = undefined;
        closeSync(this.walFd!);
        return;
      }
      if (error) return this.fail(error); // fails the transactions this flush covered too
      this.syncing = undefined;
      covered.forEach((batch) => batch.markDurable());
      this.announceDurable();
      this.flush();
    });
  }

  private announceDurable(): void {
    for (const listener of this.durableListeners) listener();
  }

  private announceRollback(): void {
    for (const listener of this.rollbackListeners) listener();
  }

  private fail(error: unknown): void {
    this.failure = new DependencyFailure('embedded-store', `embedded store failed: the WAL could not be flushed (${
      (error as { code?: string }).code ?? 'unknown'})`, { cause: error, outcomeUnknown: true });
    const pending = [...(this.syncing ?? []), ...this.unsynced, ...(this.open ? [this.open] : [])];
    this.announceRollback();
    if (this.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.open = undefined;
    this.syncing = undefined;
    this.unsynced = [];
    pending.forEach((batch) => batch.fail(this.failure));
  }
}

const asDependencyFailure = (error: unknown): unknown =>
  error instanceof Database.SqliteError || (error instanceof TypeError && /database connection is not open/.test(error.message))
    ? new DependencyFailure('embedded-store', `embedded store failed: ${(error as { code?: string }).code ?? 'closed'}`, { cause: error })
    : error;
