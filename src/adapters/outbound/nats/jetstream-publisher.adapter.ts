import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { tracing } from '../../tracing.js';
import type { LoggedEvent } from '../../../application/ports/event-log.port.js';
import { PublishFailed, type EventPublisher } from '../../../application/ports/event-publisher.port.js';
import { natsConnectOptions } from './nats-servers.js';
import { PublishAcks } from './publish-acks.js';
import { reasonOf, streamKeeper, type StreamStatus } from './event-stream.js';
import { subjectFor } from './event-subjects.js';

export interface JetStreamPublisherOptions {
  /** EVENTS_NATS_URL: comma-separated nats:// (or tls://) URLs, credentials allowed. */
  readonly url: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** How long a publish waits for JetStream's acknowledgement. */
  readonly publishTimeoutMs?: number;
  /** Pause between connection attempts, before the first connection and after a loss. */
  readonly reconnectWaitMs?: number;
  readonly onStatus?: (status: PublisherStatus) => void;
}

export type PublisherStatus =
  | { readonly kind: 'connected'; readonly server: string }
  | { readonly kind: 'disconnected'; readonly detail: string }
  | StreamStatus;

export interface JetStreamPublisher extends EventPublisher {
  /** Stops reconnecting and closes the connection; a publish after it rejects. */
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/cloudevents+json';

/**
 * Publishes to NATS JetStream. Opening never waits for NATS: the connection is made in the background, retried
 * forever, and kept up by the client's own reconnects; meanwhile a publish fails at once (`not-connected`), so the
 * relay backs off instead of piling messages into the client's buffer. The stream is looked up, and created when
 * missing, on every (re)connection (a server may come back without its store) and after a publish no stream took.
 */
export function openJetStreamPublisher(options: JetStreamPublisherOptions): JetStreamPublisher {
  const publishTimeoutMs = options.publishTimeoutMs ?? 2_000;
  const reconnectWaitMs = options.reconnectWaitMs ?? 1_000;
  // A listener that throws must not be taken for a failed connection (and leave that connection open).
  const report = (status: PublisherStatus) => {
    try {
      options.onStatus?.(status);
    } catch {
      // the listener's own fault; the connection is fine
    }
  };
  let closed = false;
  let nc: NatsConnection | undefined;
  let acks: PublishAcks | undefined;
  let up = false;
  const stopDialling = new AbortController();

  const stream = streamKeeper(options.stream, options.subjectPrefix, publishTimeoutMs, report);

  const watch = async (connection: NatsConnection) => {
    const statuses = connection.status();
    for await (const status of statuses) {
      if (status.type === 'disconnect') {
        up = false;
        stream.forget();
        acks?.failAll('connection lost');
        report({ kind: 'disconnected', detail: 'connection lost; reconnecting' });
      } else if (status.type === 'reconnect') {
        up = true;
        report({ kind: 'connected', server: connection.getServer() });
        stream.ensure(connection).catch(() => {}); // a failure is met again, and reported, by the next publish
      }
    }
    // The client gave up on this connection (it does after repeated authentication failures): dial anew.
    up = false;
    acks?.close();
    if (closed) return;
    stream.forget();
    report({ kind: 'disconnected', detail: 'connection closed; connecting again' });
    dialling = dial();
  };

  const dial = async () => {
    let lastFailure: string | undefined;
    while (!closed) {
      try {
        const connection = await connect({
          ...natsConnectOptions(options.url),
          name: 'avakart-order-service',
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: reconnectWaitMs,
          timeout: Math.max(publishTimeoutMs, 2_000),
          // A stack captured for every publish, to decorate a timeout nobody reads: a few % of the CPU under load.
          noAsyncTraces: true,
        });
        if (closed) return void (await connection.close());
        nc = connection;
        acks = new PublishAcks(connection, publishTimeoutMs);
        up = true;
        report({ kind: 'connected', server: connection.getServer() });
        stream.ensure(connection).catch(() => {}); // at start-up, as the contract says, not at the first event
        watch(connection).catch(() => {});
        return;
      } catch (error) {
        const detail = (error as Error).message;
        if (detail !== lastFailure) report({ kind: 'disconnected', detail: `cannot connect: ${detail}` });
        lastFailure = detail;
        await pause(reconnectWaitMs, stopDialling.signal);
      }
    }
  };
  let dialling = dial();

  return {
    async publish(event: LoggedEvent): Promise<void> {
      const subject = subjectFor(options.subjectPrefix, event.type);
      if (!subject) throw new PublishFailed('unroutable', `no subject for event type ${event.type}`);
      if (closed || !up || !nc || !acks) throw new PublishFailed('not-connected', 'not connected to NATS');
      await stream.ensure(nc);
      const head = headers();
      head.set('Content-Type', CONTENT_TYPE);
      head.set('Nats-Msg-Id', event.id);
      const send = () => acks!.publish(subject, event.body, head);
      try {
        const traces = tracing();
        if (!traces.enabled) await send();
        else {
          await traces.child(`${subject} publish`, 'producer',
            { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': event.id }, send);
        }
      } catch (error) {
        const reason = reasonOf(error);
        if (reason !== 'no-stream') throw new PublishFailed(reason, (error as Error).message);
        stream.forget(); // looked up again, and created if it went, before the next publish
        throw new PublishFailed(reason, `no stream takes ${subject} (stream ${options.stream} missing, or not on these subjects)`);
      }
    },
    async close(): Promise<void> {
      closed = true;
      stopDialling.abort();
      await dialling;
      acks?.close();
      await nc?.close();
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
