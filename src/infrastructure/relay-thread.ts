import { Worker } from 'node:worker_threads';
import type { EventLog, LoggedEvent, RelaySource } from '../application/ports/event-log.port.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { RelayMetrics } from '../adapters/inbound/http/metrics.js';
import type { EventRelayTuning, EventsRunning, JetStreamBroker } from './event-relay.js';
import type { Logger } from './logger.js';
import { packPage, type RelayPage } from './relay-page.js';

/** What the thread is started with. */
export interface RelayThreadData {
  readonly broker: JetStreamBroker;
  readonly tuning: Omit<EventRelayTuning, 'random'>;
}

export type RelayLevel = 'info' | 'warn' | 'error';

/** An error as it crosses to this thread: what a log line shows of it. */
export interface PortableError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/**
 * One turn of the relay as the thread asks for it: first mark what the broker acknowledged of the last page
 * (`marks`, indexes into it), then, when the relay was caught up, wait for a commit (`waitMs`), then claim the relay
 * and, if this process holds it, read up to `limit` events. One message each way per round: every message posted
 * across wakes the other thread, and on two cores each wake-up takes the core from the thread answering requests.
 */
export interface RelayTurn {
  readonly marks?: Uint32Array;
  readonly waitMs?: number;
  readonly limit: number;
}

/** A turn's answer: whether this process holds the relay, and the page it read if so. */
export type TurnAnswer = { readonly claimed: false } | { readonly claimed: true; readonly page: RelayPage };

/** From the relay's thread: a turn (or, as it stops, its last marks), a log line, or what a round did for the metrics. */
export type FromRelay =
  | ({ readonly kind: 'call'; readonly id: number; readonly method: 'turn' } & RelayTurn)
  | { readonly kind: 'call'; readonly id: number; readonly method: 'markPublished'; readonly marks: Uint32Array }
  | { readonly kind: 'log'; readonly level: RelayLevel; readonly fields: Record<string, unknown>; readonly msg: string; readonly err?: PortableError }
  | { readonly kind: 'published'; readonly count: number; readonly delaysMs: Float64Array }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopped' };

export type ToRelay =
  | { readonly kind: 'answer'; readonly id: number; readonly value?: unknown; readonly error?: string }
  | { readonly kind: 'stop' };

export interface RelayThreadOptions {
  readonly broker: JetStreamBroker;
  readonly tuning: Omit<EventRelayTuning, 'random'>;
  /** The store's own log: the thread reaches it through messages, and this side tells it a relay is coming. */
  readonly events: RelaySource & Pick<EventLog, 'expectRelay'>;
  /** Stamps what the broker acknowledged as published (retention counts from it). */
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: RelayMetrics;
  /** The thread's module; by default the compiled one next to this file. */
  readonly worker?: URL;
}

/** A thread that does not stop within this after being asked is cut off; what it had acknowledged is re-sent. */
const STOP_TIMEOUT_MS = 10_000;
/** A thread that died is started again after 1 s, doubling to 30 s while each one dies within a minute. */
const RESTART_AFTER_MS = 1_000;
const RESTART_CAP_MS = 30_000;
const LIVED_LONG_MS = 60_000;

/**
 * The relay to JetStream, run on a worker thread. The NATS client's work (encoding, the socket, parsing
 * acknowledgements, their timers and garbage) is most of what relaying costs, and on the request thread it took
 * about a fifth of the CPU an order needs. The thread keeps only that: the outbox stays here, in the store's one
 * connection, and the thread reaches it by one message a round (see RelayTurn), so every backend relays the same
 * way and what counts as published is still decided by the store. The thread's logs and metrics come back here.
 * A thread that dies is started again (after 1 s, longer while it keeps dying); what it had read but not marked is
 * read again.
 */
export function startRelayThread(options: RelayThreadOptions): EventsRunning {
  const { events, log, metrics } = options;
  events.expectRelay();
  const url = options.worker ?? new URL('./event-relay.worker.js', import.meta.url);
  const stopping = new AbortController();
  let current: { readonly worker: Worker; readonly exited: Promise<void>; readonly stopped: Promise<void> } | undefined;
  let restart: NodeJS.Timeout | undefined;
  let shortLived = 0;

  const start = () => {
    restart = undefined;
    const startedAt = Date.now();
    const data: RelayThreadData = { broker: options.broker, tuning: options.tuning };
    const worker = new Worker(url, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    // What the last `unpublished` handed out: the thread names the events to mark by their index in it.
    let handedOut: readonly LoggedEvent[] = [];
    const mark = (indexes: Uint32Array) => {
      const marked = Array.from(indexes, (i) => handedOut[i]).filter((event) => event !== undefined);
      return events.markPublished(marked, options.clock.now());
    };
    let stoppedCleanly: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (stoppedCleanly = resolve));
    const answer = (id: number, work: () => Promise<unknown>) => {
      const send = (message: ToRelay) => {
        try {
          worker.postMessage(message);
        } catch {
          // the thread is gone; its successor asks again
        }
      };
      work().then((value) => send({ kind: 'answer', id, value }), (error: unknown) => send({ kind: 'answer', id, error: messageOf(error) }));
    };
    worker.on('message', (message: FromRelay) => {
      switch (message.kind) {
        case 'call':
          if (message.method === 'markPublished') return answer(message.id, () => mark(message.marks));
          return answer(message.id, async (): Promise<TurnAnswer> => {
            if (message.marks) await mark(message.marks);
            if (message.waitMs !== undefined) await events.waitForUnpublished(message.waitMs, stopping.signal);
            if (!(await events.claimRelay())) return { claimed: false };
            handedOut = await events.unpublished(message.limit);
            return { claimed: true, page: packPage(handedOut, handedOut.map((event) => events.takeCommitTime(event.id))) };
          });
        case 'log':
          return log[message.level]({ ...message.fields, ...(message.err ? { err: revived(message.err) } : {}) }, message.msg);
        case 'published':
          return metrics?.published(message.count, message.delaysMs);
        case 'failed':
          return metrics?.failed(message.reason);
        case 'stopped':
          return stoppedCleanly();
      }
    });
    worker.on('error', (error) => log.error({ err: error }, 'event relay: thread failed'));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        resolve();
        if (stopping.signal.aborted) return;
        shortLived = Date.now() - startedAt < LIVED_LONG_MS ? shortLived + 1 : 1;
        const retryInMs = Math.min(RESTART_CAP_MS, RESTART_AFTER_MS * 2 ** (shortLived - 1));
        log.error({ code, retryInMs }, 'event relay: thread stopped; starting it again');
        restart = setTimeout(start, retryInMs);
      });
    });
    current = { worker, exited, stopped };
  };
  start();

  return {
    stop: async () => {
      stopping.abort();
      if (restart) clearTimeout(restart);
      if (!current) return;
      const { worker, exited, stopped } = current;
      worker.postMessage({ kind: 'stop' } satisfies ToRelay);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)));
      if ((await Promise.race([stopped, exited, timedOut])) === 'timeout') {
        log.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'event relay: thread did not stop in time; cut off');
      }
      clearTimeout(timer);
      await worker.terminate();
      await exited;
    },
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** An Error again, so that the log line carries it as every other `err`. */
function revived(portable: PortableError): Error {
  const error = new Error(portable.message);
  error.name = portable.name;
  if (portable.stack !== undefined) error.stack = portable.stack;
  return error;
}
