import type { EventLog, RelaySource } from '../application/ports/event-log.port.js';
import type { EventPublisher } from '../application/ports/event-publisher.port.js';
import { RelayEvents, type RelayFailure, type RelayRound } from '../application/relay-events.use-case.js';
import type { Clock } from '../domain/ports/clock.port.js';
import type { RelayMetrics, ServiceMetrics } from '../adapters/inbound/http/metrics.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface EventRelayTuning {
  readonly batch?: number;
  /** Backoff after a round where nothing could be published: doubles from `backoffBaseMs` up to `backoffCapMs`. */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /**
   * Caught up: the longest wait for a commit of this process before looking again, which is how the commits of
   * other replicas (which ring no bell here) are found.
   */
  readonly idleMs?: number;
  /**
   * Caught up: the least time from the start of one round to the start of the next. Under a steady trickle of
   * commits every round would otherwise carry one or two events, and cost the store two statements each.
   */
  readonly roundGapMs?: number;
  /** Another replica relays: how often to ask for the role again. */
  readonly standbyMs?: number;
  readonly random?: () => number;
}

/** What the relay logs with: a Logger, or what stands in for one where the relay runs on a thread of its own. */
export interface RelayLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface EventRelayOptions extends EventRelayTuning {
  readonly events: RelaySource;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly log: RelayLog;
  readonly metrics?: RelayMetrics;
}

export interface EventRelay {
  /** Ends a backoff now, e.g. when the broker connection is back. */
  wake(): void;
  /** Lets the round in flight finish (what it got acknowledged is marked), then stops; the rest stays in the outbox. */
  stop(): Promise<void>;
}

type Logged = 'caught up' | 'catching up' | 'backing off' | 'standby';

/** The relay loop: rounds back to back while there is work, a wait on the log when caught up, backoff on failure. */
export function startEventRelay(options: EventRelayOptions): EventRelay {
  const { events, log, metrics, random = Math.random } = options;
  const relay = new RelayEvents(events, options.publisher, options.clock, options.batch);
  const [baseMs, capMs] = [options.backoffBaseMs ?? 100, options.backoffCapMs ?? 5_000];
  const stopping = new AbortController();
  let wake = new AbortController();
  let lastLogged: string | undefined;
  let relayedSinceLogged = 0;
  // Only a change of state is logged, never an event: a busy relay that keeps catching up says nothing.
  const enter = (state: Logged, fields: Record<string, unknown> = {}, key: string = state) => {
    if (key === lastLogged) return;
    lastLogged = key;
    log.info({ relayed: relayedSinceLogged, ...fields }, `event relay: ${state}`);
    relayedSinceLogged = 0;
  };

  const loop = async () => {
    let failedRounds = 0;
    while (!stopping.signal.aborted) {
      const startedAt = Date.now();
      let round: RelayRound;
      let failure: { readonly reason: string; readonly detail: string; readonly failed?: number } | undefined;
      try {
        round = await relay.execute();
      } catch (error) {
        round = { kind: 'relayed', published: 0, failures: [], deferred: 0, caughtUp: false, delaysMs: [] };
        failure = { reason: 'outbox', detail: (error as Error).message };
      }
      if (round.kind === 'standby') {
        enter('standby');
        await pause(options.standbyMs ?? 2_000, stopping.signal);
        continue;
      }
      relayedSinceLogged += round.published;
      metrics?.published(round.published, round.delaysMs);
      for (const { reason } of round.failures) metrics?.failed(reason);
      // Nothing got through: the broker (or the store) is down, so wait before trying again. A round where some
      // events got through goes on at once; those that failed are retried then.
      if (!failure && round.published === 0 && round.failures.length > 0) {
        const [{ reason, detail }] = round.failures as [RelayFailure];
        failure = { reason, detail, failed: round.failures.length };
      }
      if (failure) {
        const delayMs = jittered(Math.min(capMs, baseMs * 2 ** failedRounds), random);
        failedRounds += 1;
        enter('backing off', { ...failure, retryInMs: Math.round(delayMs) }, `backoff:${failure.reason}`);
        wake = new AbortController();
        await pause(delayMs, stopping.signal, wake.signal);
        continue;
      }
      failedRounds = 0;
      if (!round.caughtUp) {
        if (lastLogged !== 'caught up') enter('catching up');
        continue;
      }
      enter('caught up');
      await events.waitForUnpublished(options.idleMs ?? 100, stopping.signal);
      const gapMs = startedAt + (options.roundGapMs ?? 5) - Date.now();
      if (gapMs > 0) await pause(gapMs, stopping.signal);
    }
  };
  // The loop never ends but by stop(): a fault of its own (a bug) is logged and the loop started again.
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await loop();
      } catch (error) {
        lastLogged = undefined;
        try {
          log.error({ err: error }, 'event relay: failed; restarting');
        } catch {
          // nothing left to tell it with
        }
        await pause(1_000, stopping.signal);
      }
    }
  })();

  return {
    wake: () => wake.abort(),
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}

/** Half the delay plus a random part of the other half: replicas backing off together spread out. */
const jittered = (delayMs: number, random: () => number) => delayMs / 2 + random() * (delayMs / 2);

/** Resolves after `ms`, or at once when one of `signals` aborts. */
export function pause(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const signal of signals) signal.addEventListener('abort', done, { once: true });
  });
}

export interface EventRetentionOptions {
  readonly events: EventLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly retentionMs: number;
  /** Events go to a broker: they are kept from when they were published, not committed. */
  readonly relayed: boolean;
  readonly everyMs?: number;
}

/** Purges expired events now and every few minutes; a failed purge is logged and tried again at the next turn. */
export function startEventRetention(options: EventRetentionOptions): { stop(): Promise<void> } {
  const { events, clock, log, retentionMs, relayed } = options;
  let purging: Promise<void> = Promise.resolve();
  const purge = () => {
    purging = purging.then(async () => {
      const before = new Date(clock.now().getTime() - retentionMs);
      try {
        const purged = await events.purge(before, relayed);
        if (purged > 0) log.info({ purged, before: before.toISOString(), relayed }, 'events purged');
      } catch (error) {
        log.warn({ err: error }, 'events purge failed; trying again later');
      }
    });
  };
  purge();
  const timer = setInterval(purge, options.everyMs ?? 5 * 60_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await purging;
    },
  };
}

export interface EventsRunning {
  stop(): Promise<void>;
}

/**
 * What serves the events beyond the feed: retention on every backend, and, with EVENTS_NATS_URL, the relay to
 * JetStream on a thread of its own (see relay-thread.ts). Nothing here waits for NATS or can fail start-up on it.
 */
export async function startEvents(
  config: Config, events: EventLog, clock: Clock, log: Logger, metrics?: ServiceMetrics, tuning: EventRelayTuning = {}, relayWorker?: URL,
): Promise<EventsRunning> {
  const retention = startEventRetention({
    events, clock, log, retentionMs: config.eventsRetentionHours * 3_600_000, relayed: config.eventsNatsUrl !== undefined,
  });
  if (!config.eventsNatsUrl) return retention;

  const { startRelayThread } = await import('./relay-thread.js');
  const { random: _ownRandom, ...timings } = tuning; // a function cannot cross to the thread
  const relay = startRelayThread({
    broker: { url: config.eventsNatsUrl, stream: config.eventsNatsStream, subjectPrefix: config.eventsNatsSubjectPrefix },
    tuning: timings, events, clock, log, ...(relayWorker ? { worker: relayWorker } : {}),
    ...(metrics ? { metrics: metrics.relayMetrics(() => events.backlog()) } : {}),
  });
  return {
    stop: async () => {
      await relay.stop();
      await retention.stop();
    },
  };
}

export interface JetStreamBroker {
  /** EVENTS_NATS_URL, credentials and all. */
  readonly url: string;
  readonly stream: string;
  readonly subjectPrefix: string;
}

export interface JetStreamRelayOptions extends EventRelayTuning {
  readonly broker: JetStreamBroker;
  readonly events: RelaySource;
  readonly clock: Clock;
  readonly log: RelayLog;
  readonly metrics?: RelayMetrics;
}

/** The relay publishing to JetStream: the NATS client is imported only here. Opening never waits for NATS. */
export async function relayToJetStream(options: JetStreamRelayOptions): Promise<EventsRunning> {
  const { broker: { url, stream, subjectPrefix }, log } = options;
  const { openJetStreamPublisher } = await import('../adapters/outbound/nats/jetstream-publisher.adapter.js');
  const { printableNatsUrl } = await import('../adapters/outbound/nats/nats-servers.js');
  const broker = { url: printableNatsUrl(url), stream };
  let relay: EventRelay | undefined;
  const publisher = openJetStreamPublisher({
    url, stream, subjectPrefix,
    onStatus: (status) => {
      if (status.kind === 'connected') {
        log.info({ ...broker, server: status.server }, 'event relay: connected to NATS');
        relay?.wake();
      } else if (status.kind === 'disconnected') {
        log.warn({ ...broker, detail: status.detail }, 'event relay: NATS unavailable');
      } else {
        log.info({ stream: status.stream, subjects: status.subjects }, status.kind === 'stream-created' ? 'event stream created' : 'event stream found');
      }
    },
  });
  relay = startEventRelay({ ...options, publisher });
  return {
    stop: async () => {
      await relay.stop();
      await publisher.close();
    },
  };
}
