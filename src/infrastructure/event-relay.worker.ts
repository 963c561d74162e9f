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
import { unpackPage, type RelayPage } from './relay-page.js';
import type { FromRelay, RelayLevel, RelayThreadData, ToRelay } from './relay-thread.js';

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
/** The events the last read handed out, by their index in it: how the other side is told which to mark. */
let lastRead = new Map<LoggedEvent, number>();
const events: RelaySource = {
  claimRelay: () => call<boolean>({ method: 'claimRelay' }),
  unpublished: async (limit) => {
    const read = unpackPage(await call<RelayPage>({ method: 'unpublished', limit }));
    lastRead = new Map(read.map(({ event }, i) => [event, i]));
    for (const { event, committedAt: at } of read) if (at !== undefined) committedAt.remember(event.id, at);
    return read.map(({ event }) => event);
  },
  markPublished: (published: readonly LoggedEvent[]) => {
    const indexes = Uint32Array.from(published.flatMap((event) => lastRead.get(event) ?? []));
    return call<void>({ method: 'markPublished', indexes });
  },
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
    if (count > 0 || delaysMs.length > 0) send({ kind: 'published', count, delaysMs: Float64Array.from(delaysMs) });
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
