/**
 * The events stores recorded with their writes (see `orderChangeOf`), as the feed and the relay read them. An
 * adapter keeps them in the same store as the orders, written in the same atomic write.
 */
export interface LoggedEvent {
  /** Where the event sits in the log: opaque outside the adapter, increasing in the order events are served. */
  readonly position: string;
  /** The CloudEvent id: the same on every delivery. */
  readonly id: string;
  readonly type: string;
  /** The order (or book) the event is about; the relay keeps each subject's events in order. */
  readonly subject: string;
  readonly time: Date;
  /** The CloudEvent as JSON text, exactly as consumers receive it. */
  readonly body: string;
}

export type FeedRead =
  | { readonly kind: 'page'; readonly events: readonly LoggedEvent[]; readonly next: string }
  | { readonly kind: 'malformed' }
  /** The position lies before events that were purged: the reader cannot go on without a gap. */
  | { readonly kind: 'expired' };

export interface EventLog {
  /**
   * Up to `limit` events strictly after `after` (absent: from the oldest retained), oldest first. `next` marks
   * the last one returned, or `after` again when none was. A position is handed out only when no event below it
   * can still appear (a transaction of another replica committing late), so a reader paging with `next` never
   * skips one.
   */
  read(after: string | undefined, limit: number): Promise<FeedRead>;

  /**
   * Resolves once an event after `after` may be readable, or when `timeoutMs` passes or `signal` aborts, whichever
   * comes first. Never rejects: the caller reads again and answers what it finds.
   */
  waitForEvents(after: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /**
   * Resolves once this process has committed events since the last `unpublished` read (at once when it already
   * has), after `timeoutMs` (how the events of other processes sharing the store are found), or when `signal`
   * aborts. Never rejects.
   */
  waitForUnpublished(timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /**
   * When this process saw the write of event `id` commit (ms since the epoch), told once: the relay measures
   * commit-to-acknowledgement with it. Undefined for an event another process committed, or one committed before
   * `expectRelay`.
   */
  takeCommitTime(id: string): number | undefined;

  /**
   * A relay in this process reads this outbox from now on: keep when each event commits, for `takeCommitTime`.
   * Without a relay nobody would take them, so they are not kept.
   */
  expectRelay(): void;

  /** Up to `limit` events no relay has published yet, in log order. */
  unpublished(limit: number): Promise<readonly LoggedEvent[]>;

  /**
   * Records that the broker acknowledged these events, of those the last `unpublished` call handed out (others may
   * be ignored): an adapter finds them by position, its cheapest key, or by where its last read stopped.
   */
  markPublished(events: readonly LoggedEvent[], at: Date): Promise<void>;

  /**
   * Drops the oldest events published (or, when `relayed` is false, committed) before `before`, as far as every
   * older event qualifies too, so the log never has a hole below a retained event. Returns how many went.
   */
  purge(before: Date, relayed: boolean): Promise<number>;

  /** How many events wait for the relay, and when the oldest of them was committed. */
  backlog(): Promise<{ readonly waiting: number; readonly oldestAt?: Date }>;

  /**
   * Resolves true while this process may relay, false when another replica holds the role. Single-process stores
   * always answer true; a store shared by replicas lets one relay at a time.
   */
  claimRelay(): Promise<boolean>;
}

/** What the relay needs of the log: the outbox side alone (the relay may run where the feed's side is not). */
export type RelaySource = Pick<EventLog, 'claimRelay' | 'unpublished' | 'markPublished' | 'takeCommitTime' | 'waitForUnpublished'>;
