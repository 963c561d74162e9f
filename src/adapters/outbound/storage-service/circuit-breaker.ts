/**
 * Opens after `threshold` failures in a row and then refuses calls for `cooldownMs`, so a dead dependency costs
 * microseconds per call instead of a timeout. After the cooldown one trial call at a time goes through: success
 * closes the circuit, failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a call would be refused now; reserves nothing. */
  get refusing(): boolean {
    return this.openedAt !== undefined && (this.trialInFlight || this.now() - this.openedAt < this.cooldownMs);
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.refusing && !this.trialInFlight ? 'open' : 'half-open';
  }

  /** Admits a call, or refuses it; an admitted call must end in `succeeded` or `failed`. */
  enter(): boolean {
    if (this.openedAt === undefined) return true;
    if (this.refusing) return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failed(): void {
    this.failures += 1;
    this.trialInFlight = false;
    if (this.openedAt !== undefined || this.failures >= this.threshold) this.openedAt = this.now();
  }

  /** How long until a trial call may go through; 0 when calls go through now. */
  retryAfterMs(): number {
    return this.openedAt === undefined ? 0 : Math.max(0, this.cooldownMs - (this.now() - this.openedAt));
  }
}
