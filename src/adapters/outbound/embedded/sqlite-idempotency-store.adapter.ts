import type { Statement } from 'better-sqlite3';
import type {
  IdempotencyClaim,
  IdempotencyClaimRequest,
  IdempotencyStore,
  StoredResponse,
} from '../../../application/ports/idempotency-store.port.js';
import { judgeClaim } from '../../../application/ports/idempotency-claim.js';
import type { SqliteDatabase } from './sqlite-database.js';

interface KeyRow {
  fingerprint: string;
  claimed_at: number;
  completed_at: number | null;
  response: string | null;
}

/** Idempotency records in the same SQLite file: they survive restarts and kill -9 like the orders do. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly select: Statement<[string], KeyRow>;
  private readonly upsertClaim: Statement;
  private readonly completeKey: Statement;
  private readonly deleteKey: Statement;
  private readonly purgeBefore: Statement;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.select = db.prepare('SELECT fingerprint, claimed_at, completed_at, response FROM idempotency_keys WHERE key = ?');
    this.upsertClaim = db.prepare(
      `INSERT INTO idempotency_keys (key, fingerprint, claimed_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, claimed_at = excluded.claimed_at,
         completed_at = NULL, response = NULL`,
    );
    this.completeKey = db.prepare('UPDATE idempotency_keys SET completed_at = ?, response = ? WHERE key = ?');
    this.deleteKey = db.prepare('DELETE FROM idempotency_keys WHERE key = ?');
    this.purgeBefore = db.prepare('DELETE FROM idempotency_keys WHERE completed_at < ?');
  }

  claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim> {
    return this.store.write((): IdempotencyClaim => {
      const row = this.select.get(request.key);
      const claim = judgeClaim(row && {
        fingerprint: row.fingerprint,
        claimedAt: new Date(row.claimed_at),
        completedAt: row.completed_at === null ? null : new Date(row.completed_at),
        response: row.response === null ? null : (JSON.parse(row.response) as StoredResponse),
      }, request);
      if (claim.kind === 'claimed') this.upsertClaim.run(request.key, request.fingerprint, request.now.getTime());
      return claim;
    });
  }

  complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    return this.store.write(() => {
      this.completeKey.run(now.getTime(), JSON.stringify(response), key);
    });
  }

  release(key: string): Promise<void> {
    return this.store.write(() => {
      this.deleteKey.run(key);
    });
  }

  purge(before: Date): Promise<number> {
    return this.store.write(() => this.purgeBefore.run(before.getTime()).changes);
  }
}
