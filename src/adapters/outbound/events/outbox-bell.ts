import { CommitSignal } from './commit-signal.js';

/** Commit times kept for the relay to read: beyond this many, the oldest are forgotten (their events unmeasured). */
const REMEMBERED_COMMITS = 20_000;

/** When each event was seen committed, by id, each told once (EventLog.takeCommitTime); bounded, oldest dropped. */
export class CommitTimes {
  private readonly committedAt = new Map<string, number>();

  remember(id: string, at: number): void {
    this.committedAt.set(id, at);
    if (this.committedAt.size <= REMEMBERED_COMMITS) return;
    for (const oldest of this.committedAt.keys()) {
      this.committedAt.delete(oldest);
      if (this.committedAt.size <= REMEMBERED_COMMITS) break;
    }
  }

  take(id: string): number | undefined {
    const at = this.committedAt.get(id);
    if (at !== undefined) this.committedAt.delete(id);
    return at;
  }
}

/**
 * What wakes the relay (EventLog.waitForUnpublished): rung when this process commits events, reset as the relay
 * reads the outbox. A commit landing while a round runs leaves it rung, so the next wait returns at once and no
 * event waits for the idle timeout. Once a relay is expected (EventLog.expectRelay), it also keeps when each event
 * was seen committed, for the relay to measure commit-to-acknowledgement (EventLog.takeCommitTime). Without a relay
 * (the feed alone) nobody would take them, and keeping a time per event, in a map that then only ever dropped its
 * oldest, cost the embedded store about a sixth of its placements per second (8,163 against 9,915 creates/s at 64
 * connections, six interleaved rounds, every round the same way).
 */
export class OutboxBell {
  private rung = false;
  private timing = false;
  private readonly signal = new CommitSignal();
  private readonly committedAt = new CommitTimes();

  /** Events with these ids were committed just now (an empty list: some whose ids are not known). */
  ring(ids: readonly string[], now: number = Date.now()): void {
    if (this.timing) for (const id of ids) this.committedAt.remember(id, now);
    this.rung = true;
    this.signal.notify();
  }

  /** The relay reads the outbox now: what it finds needs no bell, what commits from now on rings again. */
  reading(): void {
    this.rung = false;
  }

  /** See EventLog.expectRelay. */
  expectRelay(): void {
    this.timing = true;
  }

  wait(timeoutMs: number, abort?: AbortSignal): Promise<void> {
    return this.rung ? Promise.resolve() : this.signal.next(timeoutMs, abort);
  }

  /** See EventLog.takeCommitTime. */
  take(id: string): number | undefined {
    return this.committedAt.take(id);
  }
}
