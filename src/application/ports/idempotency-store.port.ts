/** A response as it was first given, to be given again to a retry with the same key. */
export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface IdempotencyClaimRequest {
  readonly key: string;
  /** What the request asked for (route and body); the same key with another fingerprint is a client error. */
  readonly fingerprint: string;
  readonly now: Date;
  /** A claim made before this was abandoned (its request died): it may be taken over. */
  readonly abandonedBefore: Date;
  /** A completed record from before this has expired and counts as absent. */
  readonly expiredBefore: Date;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in-flight' }
  | { readonly kind: 'mismatch' };

/**
 * Remembers the outcome of requests by their Idempotency-Key. `claim` is atomic: of two requests with the same
 * key, exactly one is told `claimed`. The claimant then either completes the key with its response or releases
 * it (nothing was changed, so a retry may start afresh).
 */
export interface IdempotencyStore {
  claim(request: IdempotencyClaimRequest): Promise<IdempotencyClaim>;
  complete(key: string, response: StoredResponse, now: Date): Promise<void>;
  release(key: string): Promise<void>;
  /** Forgets records completed before `before`; answers how many. */
  purge(before: Date): Promise<number>;
}
