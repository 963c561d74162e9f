import type { LoggedEvent } from './event-log.port.js';

/**
 * Why a publish failed, from a fixed set (metrics label them): no connection to the broker, no acknowledgement in
 * time, no stream takes the subject, the broker refused the message, the event has no subject to go to, or
 * anything else.
 */
export type PublishFailureReason = 'not-connected' | 'timeout' | 'no-stream' | 'refused' | 'unroutable' | 'error';

/** What a rejected publish carries: the reason, and a sentence for the log. */
export class PublishFailed extends Error {
  override readonly name = 'PublishFailed';

  constructor(readonly reason: PublishFailureReason, detail: string) {
    super(detail);
  }
}

/** The reason of anything a publish rejected with: a PublishFailed's own, else `error`. */
export const failureReason = (error: unknown): PublishFailureReason =>
  error instanceof PublishFailed ? error.reason : 'error';

/** Where the relay sends the events the stores recorded: a message broker. */
export interface EventPublisher {
  /**
   * Sends one event. Resolves only once the broker acknowledged it as stored (a repeat it recognised as one
   * counts); rejects, preferably with a PublishFailed, when it did not, and then the event may or may not be stored.
   */
  publish(event: LoggedEvent): Promise<void>;
}
