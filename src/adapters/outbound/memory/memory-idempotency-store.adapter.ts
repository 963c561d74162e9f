import type {
  IdempotencyClaim,
  IdempotencyClaimRequest,
  IdempotencyStore,
  StoredResponse,
} from '../../../application/ports/idempotency-store.port.js';

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly claimedAt: Date;
  readonly completedAt?: Date;
  readonly response?: StoredResponse;
}

/** Idempotency records in a Map: per process, gone on restart. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  async claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim> {
    const found = this.records.get(request.key);
    const usable = found && (found.completedAt
      ? found.completedAt >= request.expiredBefore
      : found.claimedAt >= request.abandonedBefore);
    if (!found || !usable) {
      this.records.set(request.key, { fingerprint: request.fingerprint, claimedAt: request.now });
      return { kind: 'claimed' };
    }
    if (found.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
    return found.response ? { kind: 'replay', response: found.response } : { kind: 'in-flight' };
  }

  async complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    const found = this.records.get(key);
    if (found) this.records.set(key, { ...found, completedAt: now, response });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }

  async purge(before: Date): Promise<number> {
    let purged = 0;
    for (const [key, record] of this.records) {
      if (record.completedAt && record.completedAt < before) {
        this.records.delete(key);
        purged += 1;
      }
    }
    return purged;
  }
}
