import * as E from 'fp-ts/lib/Either.js';
import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import { PublishFailed, type EventPublisher } from '../../src/application/ports/event-publisher.port.js';
import { MemoryEventLog } from '../../src/adapters/outbound/memory/memory-event-log.adapter.js';
import type { Order } from '../../src/domain/order.js';
import { startEventRelay, startEventRetention, type EventRelay } from '../../src/infrastructure/event-relay.js';
import type { Logger } from '../../src/infrastructure/logger.js';
import { FixedClock, anOrder } from '../support/order-mother.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every millisecond or two; throws past the deadline rather than spin on after a failed test. */
async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done();) {
    if (Date.now() > deadline) throw new Error(`not done after ${timeoutMs} ms`);
    await sleep(1);
  }
}

function recordOrder(log: MemoryEventLog, at = new Date()): string {
  const order = (anOrder({ now: at }).moveTo('confirmed', at) as E.Right<Order>).right;
  log.record({ kind: 'order-changed', order, previousStatus: null });
  return `${order.id}.${order.version}`;
}

function captureLog() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, msg, fields });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

/** A publisher whose broker is up or down as the test says; it notes when each event was acknowledged. */
class SwitchablePublisher implements EventPublisher {
  up = true;
  attempts = 0;
  readonly acknowledgedAt = new Map<string, number>();
  async publish(event: LoggedEvent): Promise<void> {
    this.attempts += 1;
    await sleep(1);
    if (!this.up) throw new PublishFailed('not-connected', 'not connected to NATS');
    this.acknowledgedAt.set(event.id, Date.now());
  }
}

describe('the event relay loop', () => {
  let relay: EventRelay | undefined;
  afterEach(() => relay?.stop());

  it('wakes on a commit when caught up: the event is out within milliseconds', async () => {
    const events = new MemoryEventLog();
    const publisher = new SwitchablePublisher();
    relay = startEventRelay({ events, publisher, clock: new FixedClock(), log: captureLog().logger, idleMs: 5_000 });
    await sleep(50);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const committedAt = Date.now();
      const id = recordOrder(events);
      await until(() => publisher.acknowledgedAt.has(id));
      latencies.push(publisher.acknowledgedAt.get(id)! - committedAt);
    }
    // Woken by the commit, not by the 5 s idle timeout; the median says it is immediate, the bound leaves room for a
    // busy machine running other suites.
    latencies.sort((a, b) => a - b);
    expect(latencies[10]).toBeLessThan(15);
    expect(latencies[19]).toBeLessThan(500);
  });

  it('backs off while nothing gets through, growing to the cap, and says so once per change of state', async () => {
    const events = new MemoryEventLog();
    const publisher = new SwitchablePublisher();
    publisher.up = false;
    const { lines, logger } = captureLog();
    for (let i = 0; i < 5; i += 1) recordOrder(events);
    relay = startEventRelay({ events, publisher, clock: new FixedClock(), log: logger, backoffBaseMs: 20, backoffCapMs: 160, random: () => 1 });
    await sleep(900);
    // 5 events a round; pauses of 20, 40, 80, 160, 160, 160 … ms: about 8 rounds in 900 ms, not hundreds.
    const rounds = publisher.attempts / 5;
    expect(rounds).toBeGreaterThanOrEqual(6);
    expect(rounds).toBeLessThanOrEqual(11);
    publisher.up = true;
    await sleep(300);
    expect(publisher.acknowledgedAt.size).toBe(5);
    expect(await events.backlog()).toEqual({ waiting: 0 });
    expect(lines.map((line) => line.msg)).toEqual(['event relay: backing off', 'event relay: caught up']);
    expect(lines[0]!.fields).toMatchObject({ reason: 'not-connected', detail: 'not connected to NATS', failed: 5 });
    expect(lines[1]!.fields).toMatchObject({ relayed: 5 });
  });

  it('ends a backoff when woken, e.g. by the broker connection coming back', async () => {
    const events = new MemoryEventLog();
    const publisher = new SwitchablePublisher();
    publisher.up = false;
    const id = recordOrder(events);
    relay = startEventRelay({ events, publisher, clock: new FixedClock(), log: captureLog().logger, backoffBaseMs: 10_000, backoffCapMs: 10_000 });
    await sleep(50);
    publisher.up = true;
    const wokenAt = Date.now();
    relay.wake();
    await until(() => publisher.acknowledgedAt.has(id));
    expect(Date.now() - wokenAt).toBeLessThan(200);
  });

  it('stops after the round in flight: what it got acknowledged is marked, the rest stays in the outbox', async () => {
    const events = new MemoryEventLog();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow: EventPublisher = { publish: () => held };
    for (let i = 0; i < 3; i += 1) recordOrder(events);
    const running = startEventRelay({ events, publisher: slow, clock: new FixedClock(), log: captureLog().logger });
    await sleep(20);
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false); // waits for the acknowledgements it asked for
    recordOrder(events);
    release();
    await stopping;
    expect(await events.backlog()).toMatchObject({ waiting: 1 });
  });
});

describe('event retention', () => {
  it('purges at start what was published (or, without a broker, committed) before the retention', async () => {
    const clock = new FixedClock(new Date('2026-11-22T10:00:00.000Z'));
    const events = new MemoryEventLog();
    recordOrder(events, new Date('2026-11-01T00:00:00.000Z'));
    recordOrder(events, new Date('2026-11-22T09:00:00.000Z'));
    const { lines, logger } = captureLog();

    const relayed = startEventRetention({ events, clock, log: logger, retentionMs: 24 * 3_600_000, relayed: true });
    await relayed.stop();
    expect((await events.backlog()).waiting).toBe(2); // nothing was published: nothing is purged

    const feedOnly = startEventRetention({ events, clock, log: logger, retentionMs: 24 * 3_600_000, relayed: false });
    await feedOnly.stop();
    const left = await events.read(undefined, 10);
    expect(left.kind === 'page' && left.events.length).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ msg: 'events purged', fields: expect.objectContaining({ purged: 1, relayed: false }) })]);
  });

  it('logs a failed purge and goes on', async () => {
    const events = new MemoryEventLog();
    events.purge = () => Promise.reject(new Error('database is locked'));
    const { lines, logger } = captureLog();
    await startEventRetention({ events, clock: new FixedClock(), log: logger, retentionMs: 1, relayed: false }).stop();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([['warn', 'events purge failed; trying again later']]);
  });
});
