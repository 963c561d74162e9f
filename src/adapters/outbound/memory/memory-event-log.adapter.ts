import type { EventLog, FeedRead, LoggedEvent } from '../../../application/ports/event-log.port.js';
import type { DomainEvent } from '../../../domain/domain-event.js';
import { cloudEventRenderer, type EventRenderer } from '../events/cloud-event.js';
import { CommitSignal, waitUntil } from '../events/commit-signal.js';
import { parsePosition } from '../events/event-position.js';
import { OutboxBell } from '../events/outbox-bell.js';

interface Entry {
  readonly seq: number;
  readonly event: LoggedEvent;
  publishedAt?: Date;
}

/** Events in an array, for the memory backend: positions are sequence numbers, handed out in commit order. */
export class MemoryEventLog implements EventLog {
  private readonly entries: Entry[] = [];
  private nextSeq = 1;
  /** The highest position purged: a reader behind it has missed events. */
  private purgedThrough = 0;
  private readonly signal = new CommitSignal();
  private readonly bell = new OutboxBell();

  constructor(private readonly render: EventRenderer = cloudEventRenderer()) {}

  /** Called by the memory adapters in the same synchronous step as the change it announces. */
  record(event: DomainEvent | undefined): void {
    if (!event) return;
    const seq = this.nextSeq++;
    const logged = { position: String(seq), ...this.render(event) };
    this.entries.push({ seq, event: logged });
    this.signal.notify();
    this.bell.ring([logged.id]);
  }

  async read(after: string | undefined, limit: number): Promise<FeedRead> {
    const from = after === undefined ? this.purgedThrough : parsePosition(after);
    if (from === undefined) return { kind: 'malformed' };
    if (from < this.purgedThrough) return { kind: 'expired' };
    const start = this.indexAfter(from);
    const events = this.entries.slice(start, start + limit).map((entry) => entry.event);
    return { kind: 'page', events, next: events.length ? events[events.length - 1]!.position : String(from) };
  }

  waitForEvents(after: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const from = after === undefined ? this.purgedThrough : parsePosition(after) ?? 0;
    return waitUntil(this.signal, () => this.indexAfter(from) < this.entries.length, timeoutMs, signal);
  }

  waitForUnpublished(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.bell.wait(timeoutMs, signal);
  }

  takeCommitTime(id: string): number | undefined {
    return this.bell.take(id);
  }

  expectRelay(): void {
    this.bell.expectRelay();
  }

  async unpublished(limit: number): Promise<readonly LoggedEvent[]> {
    this.bell.reading();
    const found: LoggedEvent[] = [];
    for (const entry of this.entries) {
      if (found.length >= limit) break;
      if (!entry.publishedAt) found.push(entry.event);
    }
    return found;
  }

  async markPublished(events: readonly LoggedEvent[], at: Date): Promise<void> {
    for (const { position } of events) {
      const entry = this.entries[this.indexAfter(Number(position) - 1)];
      if (entry && entry.event.position === position) entry.publishedAt ??= at;
    }
  }

  async purge(before: Date, relayed: boolean): Promise<number> {
    let count = 0;
    while (count < this.entries.length) {
      const entry = this.entries[count]!;
      const since = relayed ? entry.publishedAt : entry.event.time;
      if (!since || since >= before) break;
      count += 1;
    }
    if (count === 0) return 0;
    this.purgedThrough = this.entries[count - 1]!.seq;
    this.entries.splice(0, count);
    return count;
  }

  async backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }> {
    const waiting = this.entries.filter((entry) => !entry.publishedAt);
    return { waiting: waiting.length, ...(waiting[0] ? { oldestAt: waiting[0].event.time } : {}) };
  }

  async claimRelay(): Promise<boolean> {
    return true;
  }

  /** The index of the first entry after position `seq`: a binary search, entries being in seq order. */
  private indexAfter(seq: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
