import type { EventLog, FeedRead } from './ports/event-log.port.js';
import { pageSize } from './paging.js';

export const DEFAULT_EVENT_PAGE = 100;
export const MAX_EVENT_PAGE = 500;
export const MAX_EVENT_WAIT_MS = 30_000;

export interface ReadEventsQuery {
  /** A position from a previous page; absent: from the oldest retained event. */
  readonly after?: string;
  /** 1 to MAX_EVENT_PAGE. */
  readonly limit: number;
  /** With nothing after the cursor, how long to wait for a commit before answering an empty page. */
  readonly waitMs: number;
  /** Aborted when the reader has gone: the wait ends early. */
  readonly signal?: AbortSignal;
}

/** The feed: events oldest first, a page at a time, waiting (long-poll) for the next commit when caught up. */
export class ReadEvents {
  constructor(private readonly log: EventLog) {}

  async execute(query: ReadEventsQuery): Promise<FeedRead> {
    const limit = pageSize(query.limit, MAX_EVENT_PAGE);
    const first = await this.log.read(query.after, limit);
    if (first.kind !== 'page' || first.events.length > 0 || query.waitMs <= 0) return first;
    await this.log.waitForEvents(first.next, Math.min(query.waitMs, MAX_EVENT_WAIT_MS), query.signal);
    return this.log.read(first.next, limit);
  }
}
