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
import { DEFAULT_RELAY_BATCH } from '../application/relay-events.use-case.js';
import { unpackPage } from './relay-page.js';
import type { FromRelay, RelayLevel, RelayThreadData, ToRelay, TurnAnswer } from './relay-thread.js';

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
/** What the next turn carries: the marks of the round before, and the wait the loop asked for since. */
let marks: Uint32Array | undefined;
let waitMs: number | undefined;
/** The page the last turn brought, for the `unpublished` that follows its claim. */
let page: LoggedEvent[] | undefined;

/** Asks for a turn (see RelayTurn); true when this process holds the relay, with the page it read kept in `page`. */
const turn = async (limit: number): Promise<boolean> => {
  const asked = { limit, ...(marks ? { marks } : {}), ...(waitMs !== undefined ? { waitMs } : {}) };
  [marks, waitMs, page] = [undefined, undefined, undefined];
  const answer = await call<TurnAnswer>({ method: 'turn', ...asked });
  if (!answer.claimed) return false;
  const read = unpackPage(answer.page);
  lastRead = new Map(read.map(({ event }, i) => [event, i]));
  for (const { event, committedAt: at } of read) if (at !== undefined) committedAt.remember(event.id, at);
  page = read.map(({ event }) => event);
  return true;
};

/**
 * The outbox as the relay loop sees it on this thread, one message a round: a claim asks for a turn, which marks
 * what the round before had acknowledged, waits if the loop asked to, and reads the page the loop's `unpublished`
 * then gets. So marking and waiting resolve here at once and happen there, in that order, before the next read.
 * Whatever the thread had acknowledged and not yet sent over when it dies is read and sent again; the stream drops
 * the duplicates by their Nats-Msg-Id.
 */
const events: RelaySource = {
  claimRelay: () => turn(tuning.batch ?? DEFAULT_RELAY_BATCH),
  unpublished: async (limit) => {
    if (!page && !(await turn(limit))) return [];
    const read = page ?? [];
    page = undefined;
    return read;
  },
  markPublished: async (published: readonly LoggedEvent[]) => {
    marks = Uint32Array.from(published.flatMap((event) => lastRead.get(event) ?? []));
  },
  takeCommitTime: (id) => committedAt.take(id),
  waitForUnpublished: async (timeoutMs) => {
    waitMs = timeoutMs;
  },
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
      if (marks) await call<void>({ method: 'markPublished', marks }); // the last round's, which no turn carried
      await telemetry?.shutdown();
    } finally {
      send({ kind: 'stopped' });
    }
  })();
});
