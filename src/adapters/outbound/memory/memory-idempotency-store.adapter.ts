import type {
  IdempotencyClaim,
  IdempotencyClaimRequest,
  IdempotencyStore,
  StoredResponse,
} from '../../../application/ports/idempotency-store.port.js';
import { judgeClaim, type IdempotencyRecord } from '../../../application/ports/idempotency-claim.js';

/**
 * Idempotency records in a Map: per process, gone on restart. At most `maxRecords` are kept (about 1.7 KB each):
 * past that, the oldest completed ones are forgotten before their time to live, so heavy keyed traffic costs the
 * oldest keys their replay instead of costing the process all its memory. Claims still running are never dropped.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  constructor(private readonly maxRecords = Number.POSITIVE_INFINITY) {}

  async claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim> {
    const claim = judgeClaim(this.records.get(request.key), request);
    if (claim.kind === 'claimed') {
      // Deleted first so that the Map's order stays the order of claims: the oldest record is the first one.
      this.records.delete(request.key);
      this.records.set(request.key, { fingerprint: request.fingerprint, claimedAt: request.now });
      if (this.records.size > this.maxRecords) this.forgetOldest();
    }
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

  private forgetOldest(): void {
    for (const [key, record] of this.records) {
      if (this.records.size <= this.maxRecords) return;
      if (record.completedAt) this.records.delete(key);
    }
  }
}
