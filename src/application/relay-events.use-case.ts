import type { Clock } from '../domain/ports/clock.port.js';
import type { LoggedEvent, RelaySource } from './ports/event-log.port.js';
import { failureReason, type EventPublisher, type PublishFailureReason } from './ports/event-publisher.port.js';

export const DEFAULT_RELAY_BATCH = 256;

export interface RelayFailure {
  readonly id: string;
  readonly subject: string;
  readonly reason: PublishFailureReason;
  readonly detail: string;
}

export type RelayRound =
  /** Another replica holds the relay: nothing was read or sent. */
  | { readonly kind: 'standby' }
  | {
      readonly kind: 'relayed';
      /** Events the broker acknowledged and the log now records as published. */
      readonly published: number;
      readonly failures: readonly RelayFailure[];
      /** Events left for a later round because an earlier event of their subject was in this one. */
      readonly deferred: number;
      /** Nothing is known to wait: the next round would find only what commits from now on. */
      readonly caughtUp: boolean;
      /**
       * For the acknowledged events this process committed: milliseconds from the commit to the acknowledgement,
       * how long an event sat in the outbox.
       */
      readonly delaysMs: readonly number[];
    };

/**
 * One round of the outbox relay: the oldest unpublished events, at most one per subject, sent concurrently, and
 * those the broker acknowledged marked published. One per subject is what keeps an order's events in order on the
 * broker: the next event of a subject is sent only in a round after the one before it was acknowledged, so one that
 * failed is retried before anything later of its subject is sent.
 */
export class RelayEvents {
  constructor(
    private readonly log: RelaySource,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly batch: number = DEFAULT_RELAY_BATCH,
  ) {}

  async execute(): Promise<RelayRound> {
    if (!(await this.log.claimRelay())) return { kind: 'standby' };
    const waiting = await this.log.unpublished(this.batch);
    const round = firstOfEachSubject(waiting);
    // When each acknowledgement came, on the wall clock the stores stamp commits with (a measurement, not the
    // domain's time, which tests fix).
    const outcomes = await Promise.allSettled(round.map((event) => this.publisher.publish(event).then(() => Date.now())));
    const acknowledged: LoggedEvent[] = [];
    const failures: RelayFailure[] = [];
    const delaysMs: number[] = [];
    outcomes.forEach((outcome, i) => {
      const event = round[i]!;
      const { id, subject } = event;
      if (outcome.status === 'fulfilled') {
        acknowledged.push(event);
        const committedAt = this.log.takeCommitTime(id);
        if (committedAt !== undefined) delaysMs.push(Math.max(0, outcome.value - committedAt));
      } else failures.push({ id, subject, reason: failureReason(outcome.reason), detail: describe(outcome.reason) });
    });
    if (acknowledged.length) await this.log.markPublished(acknowledged, this.clock.now());
    const deferred = waiting.length - round.length;
    return {
      kind: 'relayed',
      published: acknowledged.length,
      failures,
      deferred,
      caughtUp: waiting.length < this.batch && deferred === 0 && failures.length === 0,
      delaysMs,
    };
  }
}

/** The first event of each subject, in log order. */
function firstOfEachSubject(events: readonly LoggedEvent[]): LoggedEvent[] {
  const subjects = new Set<string>();
  return events.filter((event) => !subjects.has(event.subject) && subjects.add(event.subject));
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
