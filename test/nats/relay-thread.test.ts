import * as E from 'fp-ts/lib/Either.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import { MemoryEventLog } from '../../src/adapters/outbound/memory/memory-event-log.adapter.js';
import type { Order } from '../../src/domain/order.js';
import type { EventsRunning } from '../../src/infrastructure/event-relay.js';
import type { Logger } from '../../src/infrastructure/logger.js';
import { startRelayThread } from '../../src/infrastructure/relay-thread.js';
import { NATS_URL, describeWithNats } from '../support/nats.js';
import { FixedClock, anOrder } from '../support/order-mother.js';
import { deleteStream, eventually, natsConnection, streamMessages, uniqueStream } from './jetstream-support.js';

/** The compiled thread, as in every in-process test (`npm test` builds first). */
const WORKER = new URL('../../dist/infrastructure/event-relay.worker.js', import.meta.url);

function captureLog() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, msg, fields });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

function recordOrders(log: MemoryEventLog, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const order = (anOrder().moveTo('confirmed', new Date()) as E.Right<Order>).right;
    log.record({ kind: 'order-changed', order, previousStatus: null });
  }
}

const waitFor = (done: () => boolean, what: string) => eventually(async () => done(), Boolean, 10_000, what);

describeWithNats('the relay on a thread of its own', () => {
  const { stream, prefix } = uniqueStream();
  let nc: NatsConnection;
  let relay: EventsRunning | undefined;
  beforeAll(async () => {
    nc = await natsConnection(NATS_URL);
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
  });
  afterAll(async () => {
    await deleteStream(nc, stream);
    await nc.close();
  });

  it('publishes this thread\'s outbox; marks, logs and metrics happen here, with this thread\'s clock', async () => {
    const events = new MemoryEventLog();
    const { lines, logger } = captureLog();
    const published: number[] = [];
    const delays: number[] = [];
    const clock = new FixedClock(new Date('2020-01-01T00:00:00Z'));
    relay = startRelayThread({
      broker: { url: NATS_URL, stream, subjectPrefix: prefix }, tuning: {}, events, clock, log: logger, worker: WORKER,
      metrics: { published: (count, delaysMs = []) => (published.push(count), delays.push(...Array.from(delaysMs))), failed: () => {} },
    });
    recordOrders(events, 20); // committed once the relay is expected, as orders are in the service: each one timed
    await eventually(async () => (await events.backlog()).waiting, (waiting) => waiting === 0, 10_000, 'an empty outbox');
    recordOrders(events, 5); // committed while the relay waits: the bell reaches the thread
    await eventually(async () => (await events.backlog()).waiting, (waiting) => waiting === 0, 10_000, 'an empty outbox again');

    const messages = await streamMessages(nc, stream);
    const feed = await events.read(undefined, 100);
    const ids = feed.kind === 'page' ? feed.events.map((event: LoggedEvent) => event.id) : [];
    expect(messages.map((message) => message.headers['Nats-Msg-Id'])).toEqual(ids);
    expect(ids).toHaveLength(25);
    expect(published.reduce((sum, count) => sum + count, 0)).toBe(25);
    expect(delays).toHaveLength(25); // every commit time crossed with its event
    // Stamped published by the clock of the thread that owns the store, not the relay thread's wall clock.
    expect(await events.purge(new Date('2020-01-01T00:00:01Z'), true)).toBe(25);
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'info', msg: 'event relay: connected to NATS', fields: expect.objectContaining({ stream }) }),
    ]));

    const stopping = Date.now();
    await relay.stop();
    relay = undefined;
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(lines.map((line) => line.msg)).not.toContain('event relay: thread did not stop in time; cut off');
  });

  it('backs off when the outbox fails, with the store\'s error as the reason', async () => {
    const events = new MemoryEventLog();
    recordOrders(events, 1);
    const failing = Object.assign(Object.create(events) as MemoryEventLog, {
      unpublished: async () => {
        throw new Error('disk on fire');
      },
    });
    const { lines, logger } = captureLog();
    relay = startRelayThread({
      broker: { url: NATS_URL, stream, subjectPrefix: prefix }, tuning: { backoffBaseMs: 20, backoffCapMs: 40 },
      events: failing, clock: new FixedClock(), log: logger, worker: WORKER,
    });
    await waitFor(() => lines.some((line) => line.msg === 'event relay: backing off'), 'a backoff');
    expect(lines.find((line) => line.msg === 'event relay: backing off')!.fields).toEqual(expect.objectContaining({ reason: 'outbox', detail: 'disk on fire' }));
  });

  it('starts a thread that died again, and stops while it waits to', async () => {
    const { lines, logger } = captureLog();
    relay = startRelayThread({
      broker: { url: NATS_URL, stream, subjectPrefix: prefix }, tuning: {}, events: new MemoryEventLog(),
      clock: new FixedClock(), log: logger, worker: new URL('../fakes/dying-relay-worker.mjs', import.meta.url),
    });
    await waitFor(() => lines.filter((line) => line.msg === 'event relay: thread stopped; starting it again').length >= 2, 'two restarts');
    const restarts = lines.filter((line) => line.msg === 'event relay: thread stopped; starting it again').map((line) => line.fields);
    expect(restarts.slice(0, 2)).toEqual([{ code: 3, retryInMs: 1_000 }, { code: 3, retryInMs: 2_000 }]); // a thread that keeps dying waits longer
  });
});
