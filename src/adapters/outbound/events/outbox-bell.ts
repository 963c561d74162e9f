import { CommitSignal } from './commit-signal.js';

/**
 * What wakes the relay (EventLog.waitForUnpublished): rung when this process commits events, reset as the relay
 * reads the outbox. A commit landing while a round runs leaves it rung, so the next wait returns at once and no
 * event waits for the idle timeout.
 */
export class OutboxBell {
  private rung = false;
  private readonly signal = new CommitSignal();

  ring(): void {
    this.rung = true;
    this.signal.notify();
  }

  /** The relay reads the outbox now: what it finds needs no bell, what commits from now on rings again. */
  reading(): void {
    this.rung = false;
  }

  wait(timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return this.rung ? Promise.resolve() : this.signal.next(timeoutMs, abort);
  }
}
