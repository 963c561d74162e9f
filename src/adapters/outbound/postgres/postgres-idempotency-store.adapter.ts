import type {
  IdempotencyClaim,
  IdempotencyClaimRequest,
  IdempotencyStore,
  StoredResponse,
} from '../../../application/ports/idempotency-store.port.js';
import { judgeClaim } from '../../../application/ports/idempotency-claim.js';
import type { PostgresDatabase, Sql } from './postgres-database.js';

interface KeyRow {
  fingerprint: string;
  claimed_at: Date;
  completed_at: Date | null;
  /** Kept as text, not jsonb, so a replay is the same bytes as the first answer. */
  response: string | null;
}

/** Idempotency records shared by every replica: a retry is recognised whichever replica it reaches. */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: PostgresDatabase) {}

  claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim> {
    return this.db.transaction(async (sql) => {
      // A key released by another request between the two statements below is simply claimed on the next turn.
      for (;;) {
        const inserted = await sql.query(
          'INSERT INTO idempotency_keys (key, fingerprint, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
          [request.key, request.fingerprint, request.now],
        );
        if (inserted.rowCount === 1) return { kind: 'claimed' };
        const { rows } = await sql.query<KeyRow>(
          'SELECT fingerprint, claimed_at, completed_at, response FROM idempotency_keys WHERE key = $1 FOR UPDATE',
          [request.key],
        );
        if (rows[0]) return this.settle(sql, request, rows[0]);
      }
    });
  }

  async complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    await this.db.transaction((sql) =>
      sql.query('UPDATE idempotency_keys SET completed_at = $1, response = $2 WHERE key = $3', [now, JSON.stringify(response), key]));
  }

  async release(key: string): Promise<void> {
    await this.db.transaction((sql) => sql.query('DELETE FROM idempotency_keys WHERE key = $1', [key]));
  }

  async purge(before: Date): Promise<number> {
    const { rowCount } = await this.db.transaction((sql) =>
      sql.query('DELETE FROM idempotency_keys WHERE completed_at < $1', [before]));
    return rowCount ?? 0;
  }

  /** The key exists and is locked by this transaction: replay it, report it busy, or take it over if stale. */
  private async settle(sql: Sql, request: IdempotencyClaimRequest, found: KeyRow): Promise<IdempotencyClaim> {
    const claim = judgeClaim({
      fingerprint: found.fingerprint,
      claimedAt: found.claimed_at,
      completedAt: found.completed_at,
      response: found.response === null ? null : (JSON.parse(found.response) as StoredResponse),
    }, request);
    if (claim.kind === 'claimed') {
      await sql.query(
        `UPDATE idempotency_keys SET fingerprint = $2, claimed_at = $3, completed_at = NULL, response = NULL
         WHERE key = $1`,
        [request.key, request.fingerprint, request.now],
      );
    }
    return claim;
  }
}
