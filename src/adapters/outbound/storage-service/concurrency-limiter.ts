/** Thrown when a call would have to wait and the wait queue is already full. */
export class QueueFull extends Error {
  override readonly name = 'QueueFull';
}

/**
 * At most `max` calls at once; up to `queueLimit` more wait in arrival order, and any beyond that are refused at
 * once, so a slow dependency turns into fast refusals instead of a growing pile of requests.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number, private readonly queueLimit: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency cap must be at least 1, got ${max}`);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.max) {
      this.running += 1;
    } else {
      if (this.waiting.length >= this.queueLimit) {
        throw new QueueFull(`${this.running} calls running and ${this.waiting.length} waiting`);
      }
      // The slot is handed over by the call that finishes, so `running` already counts this one.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
