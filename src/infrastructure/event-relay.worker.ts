/**
 * The relay's thread (see relay-thread.ts): the NATS client and the relay loop, with the outbox, the log and the
 * metrics of the thread that started it reached by messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoggedEvent, RelaySource } from '../application/ports/event-log.port.js';
import type { RelayMetrics } from '../adapters/inbound/http/metrics.js';
import { CommitTimes } from '../adapters/outbound/events/outbox-bell.js';
import { SystemClock } from '../adapters/outbound/system/system-clock.adapter.js';
import { installTracing } from '../adapters/tracing.js';
import { relayToJetStream, type RelayLog } from './event-relay.js';
import { startOpenTelemetry, tracingRequested } from './opentelemetry.js';
import type { FromRelay, HandedOut, RelayLevel, RelayThreadData, ToRelay } from './relay-thread.js';

const port = parentPort!;
const { broker, tuning } = workerData as RelayThreadData;
const send = (message: FromRelay) => port.postMessage(message);

const calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let lastCall = 0;
type Call = FromRelay & { readonly kind: 'call' };
type CallBody = Call extends infer C ? (C extends Call ? Omit<C, 'kind' | 'id'> : never) : never;
const call = <T>(body: CallBody): Promise<T> =>
  new Promise((resolve, reject) => {
    const id = (lastCall += 1);
    calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
    send({ kind: 'call', id, ...body } as Call);
  });

/** Commit times of events handed out and not yet acknowledged. */
const committedAt = new CommitTimes();
const events: RelaySource = {
  claimRelay: () => call<boolean>({ method: 'claimRelay' }),
  unpublished: async (limit) => {
    const read = await call<HandedOut>({ method: 'unpublished', limit });
    read.events.forEach((event, i) => {
      const at = read.committedAt[i];
      if (typeof at === 'number') committedAt.remember(event.id, at);
    });
    return read.events;
  },
  markPublished: (published: readonly LoggedEvent[]) =>
    call<void>({ method: 'markPublished', positions: published.map((event) => event.position) }),
  takeCommitTime: (id) => committedAt.take(id),
  waitForUnpublished: (timeoutMs, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      call<void>({ method: 'waitForUnpublished', timeoutMs }).then(done, done);
    }),
};

const logAt = (level: RelayLevel) => (fields: object, msg: string) => {
  const { err, ...rest } = fields as Record<string, unknown>;
  const portable = err instanceof Error ? { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) } : undefined;
  send({ kind: 'log', level, fields: err === undefined || portable ? rest : { ...rest, err: String(err) }, msg, ...(portable ? { err: portable } : {}) });
};
const log: RelayLog = { info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

const metrics: RelayMetrics = {
  published: (count, delaysMs = []) => {
    if (count > 0 || delaysMs.length > 0) send({ kind: 'published', count, delaysMs });
  },
  failed: (reason) => send({ kind: 'failed', reason }),
};

// The publisher's producer spans, when tracing is asked for, are exported from here.
const telemetry = tracingRequested(process.env) ? await startOpenTelemetry(process.env) : undefined;
if (telemetry) installTracing(telemetry.tracing);
const relay = relayToJetStream({ broker, ...tuning, events, clock: new SystemClock(), log, metrics });

port.on('message', (message: ToRelay) => {
  if (message.kind === 'answer') {
    const pending = calls.get(message.id);
    calls.delete(message.id);
    if (message.error === undefined) pending?.resolve(message.value);
    else pending?.reject(new Error(message.error));
    return;
  }
  void (async () => {
    try {
      await (await relay).stop();
      await telemetry?.shutdown();
    } finally {
      send({ kind: 'stopped' });
    }
  })();
});
