import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PublishFailed, type PublishFailureReason } from '../../../application/ports/event-publisher.port.js';
import { streamSubjects } from './event-subjects.js';

export type StreamStatus = { readonly kind: 'stream-created' | 'stream-found'; readonly stream: string; readonly subjects: readonly string[] };

/**
 * The events stream: looked up once per connection (or again after a failure) and created when missing, with the
 * subjects `<prefix>.>` and the server's default limits; a stream that exists is used as it is. Each finding is
 * reported once, not at every look-up.
 */
export function streamKeeper(name: string, prefix: string, timeoutMs: number, report: (status: StreamStatus) => void) {
  let known: Promise<void> | undefined;
  let reported: string | undefined;
  const found = (kind: StreamStatus['kind'], subjects: readonly string[]) => {
    const said = `${kind}:${subjects.join(',')}`;
    if (said !== reported) report({ kind, stream: name, subjects });
    reported = said;
  };
  const lookUpOrCreate = async (connection: NatsConnection) => {
    const manager = await jetstreamManager(connection, { timeout: timeoutMs });
    try {
      found('stream-found', (await manager.streams.info(name)).config.subjects ?? []);
    } catch (error) {
      if ((error as Error).name !== 'StreamNotFoundError') throw error;
      const subjects = streamSubjects(prefix);
      try {
        await manager.streams.add({ name, subjects });
        found('stream-created', subjects);
      } catch (raced) {
        // Another replica created it between our look-up and our add: used as it is.
        if (!/already in use/i.test((raced as Error).message)) throw raced;
        found('stream-found', subjects);
      }
    }
  };
  return {
    /** Resolves once the stream is there; rejects with a PublishFailed. */
    ensure(connection: NatsConnection): Promise<void> {
      if (!known) {
        const attempt: Promise<void> = lookUpOrCreate(connection).catch((error: unknown) => {
          if (known === attempt) known = undefined;
          throw new PublishFailed(reasonOf(error), `stream ${name}: ${(error as Error).message}`);
        });
        known = attempt;
      }
      return known;
    },
    /** Looks the stream up again before the next publish: the connection changed, or a publish found no stream. */
    forget(): void {
      known = undefined;
    },
  };
}

/** The failure reason of an error of the NATS client, told apart by name (the classes differ between builds). */
export function reasonOf(error: unknown): PublishFailureReason {
  if (error instanceof PublishFailed) return error.reason;
  switch ((error as Error | undefined)?.name) {
    case 'TimeoutError':
      return 'timeout';
    case 'JetStreamNotEnabled': // no responders: no stream takes the subject, or JetStream is off
    case 'StreamNotFoundError':
      return 'no-stream';
    case 'ClosedConnectionError':
    case 'DrainingConnectionError':
    case 'ConnectionError':
      return 'not-connected';
    case 'JetStreamApiError':
    case 'JetStreamError':
    case 'PermissionViolationError':
    case 'AuthorizationError':
      return 'refused';
    default:
      return 'error';
  }
}
