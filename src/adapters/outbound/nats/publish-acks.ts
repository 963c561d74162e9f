import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { PublishFailed } from '../../../application/ports/event-publisher.port.js';

/** What JetStream answers a publish with: `{ stream, seq, duplicate? }`, or `{ error: { code, err_code, description } }`. */
interface PubAck {
  readonly stream?: string;
  readonly error?: { readonly code?: number; readonly err_code?: number; readonly description?: string };
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: PublishFailed) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * JetStream publishes settled by their acknowledgements on one inbox of this connection's own.
 *
 * A JetStream publish is a core NATS message with a reply subject; the stream that stores it answers there. The
 * client's `js.publish` does exactly that through its request machinery, which builds an `Error` (and captures its
 * stack) for every request it completes, a third of the relay's CPU time under load. Here each publish gets the
 * subject `<inbox>.<n>` on one wildcard subscription made once, and its answer is matched by `n`. The client
 * resubscribes the inbox after a reconnect; publishes in flight when the connection drops are failed at once
 * (`failAll`), so the relay backs off instead of waiting out their timeouts.
 */
export class PublishAcks {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private next = 0;

  constructor(private readonly connection: NatsConnection, private readonly timeoutMs: number) {
    this.subscription = connection.subscribe(`${this.prefix}*`, { callback: (error, msg) => this.answered(error, msg) });
  }

  /** Publishes and resolves once the stream acknowledged the message as stored (a duplicate it recognised counts). */
  publish(subject: string, body: string | Uint8Array, headers: MsgHdrs): Promise<void> {
    const token = String((this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(token)) reject(new PublishFailed('timeout', `no acknowledgement of ${subject} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      try {
        this.connection.publish(subject, body, { reply: `${this.prefix}${token}`, headers });
      } catch (error) {
        this.settle(token, new PublishFailed('not-connected', (error as Error).message));
      }
    });
  }

  /** Fails every publish still waiting: the connection they went out on is gone, so no answer will come. */
  failAll(detail: string): void {
    for (const token of [...this.pending.keys()]) this.settle(token, new PublishFailed('not-connected', detail));
  }

  /** Fails what still waits and drops the inbox; the connection may already be closed. */
  close(): void {
    this.failAll('publisher closed');
    try {
      this.subscription.unsubscribe();
    } catch {
      // a closed connection has dropped its subscriptions already
    }
  }

  private answered(error: Error | null, msg: Msg): void {
    if (error) return this.failAll(`acknowledgement inbox failed: ${error.message}`);
    const token = msg.subject.slice(this.prefix.length);
    if (!this.pending.has(token)) return; // answered after its timeout
    this.settle(token, failureOf(msg));
  }

  private settle(token: string, failure: PublishFailed | undefined): void {
    const waiting = this.pending.get(token);
    if (!waiting) return;
    this.pending.delete(token);
    clearTimeout(waiting.timer);
    if (failure) waiting.reject(failure);
    else waiting.resolve();
  }
}

/** What an answer says went wrong, if anything. */
function failureOf(msg: Msg): PublishFailed | undefined {
  // No stream listens on the subject: the server itself answers "no responders", an empty 503.
  if (msg.data.length === 0 && msg.headers?.code === 503) return new PublishFailed('no-stream', 'no stream takes the subject');
  let ack: PubAck;
  try {
    ack = msg.json<PubAck>();
  } catch {
    return new PublishFailed('error', `unreadable acknowledgement: ${msg.string().slice(0, 200)}`);
  }
  if (ack.error) {
    const { code, err_code: errCode, description } = ack.error;
    return new PublishFailed('refused', `JetStream refused the message: ${description ?? 'no description'} (${code}/${errCode})`);
  }
  if (!ack.stream) return new PublishFailed('error', 'acknowledgement names no stream');
  return undefined;
}
