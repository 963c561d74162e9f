import { CommitSignal, waitUntil } from '../events/commit-signal.js';
import type { Sql } from './postgres-database.js';
import { isAfter, parsePosition, positionOf, type EventPosition } from './postgres-event-position.js';

/** What the feed can serve right now: its newest readable event (none: empty) and how far purging went. */
interface Head {
  readonly newest?: EventPosition;
  readonly purged: EventPosition;
}

// The newest event below the gate, walking the primary key backwards from it: one index probe whatever the size.
export const FEED_HEAD_SQL = `SELECT p.tx::text AS purged_tx, p.seq::text AS purged_seq, e.tx::text AS tx, e.seq::text AS seq
  FROM events_purged p LEFT JOIN LATERAL (
    SELECT tx, seq FROM events WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx DESC, seq DESC LIMIT 1
  ) e ON true`;

interface HeadRow {
  purged_tx: string;
  purged_seq: string;
  tx: string | null;
  seq: string | null;
}

/**
 * The feed's long-polls, served by one query however many readers wait: every `pollMs` while anyone waits (a
 * commit of another replica rings no bell here), and at once after each commit of this process. Each waiter only
 * compares its position with the head that query found.
 */
export class FeedHead {
  private latest: Head | Error | undefined;
  private readonly changed = new CommitSignal();
  private waiting = 0;
  private looking?: Promise<void>;
  private again?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly db: Sql,
    private readonly pollMs = 50,
  ) {}

  /** This process committed events: look again now instead of at the next poll. */
  committed(): void {
    if (this.waiting > 0) void this.refresh();
  }

  /** See EventLog.waitForEvents. */
  async wait(after: string | undefined, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    const from = after === undefined ? undefined : parsePosition(after);
    if (this.closed || timeoutMs <= 0 || abort?.aborted || (after !== undefined && !from)) return;
    const deadline = Date.now() + timeoutMs;
    this.waiting += 1;
    this.poll();
    try {
      // A head found before this call may predate what the caller read: trust only a look begun after it.
      await this.refresh();
      await waitUntil(this.changed, () => this.ready(from), deadline - Date.now(), abort);
    } finally {
      this.waiting -= 1;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.changed.notify();
  }

  private ready(from: EventPosition | undefined): boolean {
    if (this.closed) return true;
    const head = this.latest;
    if (head instanceof Error) throw head; // the caller's read meets the failure and answers it
    if (!head?.newest) return false;
    // A position below the purged ones is ready too: the read answers that it expired.
    return from === undefined ? isAfter(head.newest, head.purged) : isAfter(head.newest, from) || isAfter(head.purged, from);
  }

  private poll(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.waiting === 0 || this.closed) return;
      void this.refresh().then(() => this.poll());
    }, this.pollMs);
    this.timer.unref();
  }

  /** Resolves once a look begun after this call has answered; looks never overlap, and callers share them. */
  private refresh(): Promise<void> {
    if (!this.looking) {
      this.looking = this.look().finally(() => {
        this.looking = undefined;
      });
      return this.looking;
    }
    this.again ??= this.looking.then(() => {
      this.again = undefined;
      return this.refresh();
    });
    return this.again;
  }

  private async look(): Promise<void> {
    let head: Head | Error;
    try {
      const { rows: [row] } = await this.db.query<HeadRow>(FEED_HEAD_SQL);
      const purged = positionOf({ tx: row!.purged_tx, seq: row!.purged_seq });
      head = row!.tx === null ? { purged } : { purged, newest: positionOf({ tx: row!.tx, seq: row!.seq! }) };
    } catch (error) {
      head = error instanceof Error ? error : new Error(String(error));
    }
    const before = this.latest;
    this.latest = head;
    if (head instanceof Error || before instanceof Error || !sameHead(before, head)) this.changed.notify();
  }
}

const same = (a: EventPosition | undefined, b: EventPosition | undefined) =>
  a === b || (a !== undefined && b !== undefined && !isAfter(a, b) && !isAfter(b, a));

const sameHead = (a: Head | undefined, b: Head) => a !== undefined && same(a.newest, b.newest) && same(a.purged, b.purged);
