import type {
  IdempotencyClaim,
  IdempotencyClaimRequest,
  IdempotencyStore,
  StoredResponse,
} from '../../../application/ports/idempotency-store.port.js';
import { judgeClaim, type IdempotencyRecord } from '../../../application/ports/idempotency-claim.js';

/** Idempotency records in a Map: per process, gone on restart. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  async claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim> {
    const claim = judgeClaim(this.records.get(request.key), request);
    if (claim.kind === 'claimed') this.records.set(request.key, { fingerprint: request.fingerprint, claimedAt: request.now });
    return claim;
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
