import type { IdempotencyClaim, IdempotencyClaimRequest, StoredResponse } from './idempotency-store.port.js';

/** A stored idempotency record, as any store reads it back. */
export interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly claimedAt: Date;
  readonly completedAt?: Date | null;
  readonly response?: StoredResponse | null;
}

/**
 * What a claim finds, the same for every store: no record, an expired one or an abandoned claim means the key is
 * claimed afresh (the store then writes the claim); otherwise a mismatch, the first answer again, or in flight.
 */
export function judgeClaim(found: IdempotencyRecord | undefined, request: IdempotencyClaimRequest): IdempotencyClaim {
  const inForce = found !== undefined && (found.completedAt
    ? found.completedAt >= request.expiredBefore
    : found.claimedAt >= request.abandonedBefore);
  if (!inForce) return { kind: 'claimed' };
  if (found.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
  return found.response ? { kind: 'replay', response: found.response } : { kind: 'in-flight' };
}
