import * as E from 'fp-ts/lib/Either.js';
import type { EventLog, LoggedEvent } from '../../src/application/ports/event-log.port.js';
import { PublishFailed, type EventPublisher } from '../../src/application/ports/event-publisher.port.js';
import { RelayEvents } from '../../src/application/relay-events.use-case.js';
import { MemoryEventLog } from '../../src/adapters/outbound/memory/memory-event-log.adapter.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import { FixedClock, anOrder } from '../support/order-mother.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: OrderStatus) => (order.moveTo(to, NOW) as E.Right<Order>).right;

/** A log holding, for each order, confirmed → processing → shipped, the orders' changes interleaved. */
function logOf(orders: number): { log: MemoryEventLog; ids: string[][] } {
  const log = new MemoryEventLog();
  log.expectRelay(); // as the relay does when it starts, before the first order
  const lives = Array.from({ length: orders }, () => {
    const confirmed = moved(anOrder(), 'confirmed');
    const processing = moved(confirmed, 'processing');
    return [confirmed, processing, moved(processing, 'shipped')];
  });
  for (let step = 0; step < 3; step += 1) {
    for (const life of lives) log.record({ kind: 'order-changed', order: life[step]!, previousStatus: step ? life[step - 1]!.status : null });
  }
  return { log, ids: lives.map((life) => life.map((order) => `${order.id}.${order.version}`)) };
}

/** A publisher that records what it was asked and acknowledged, failing as `fails` says. */
class FakePublisher implements EventPublisher {
  readonly attempts: string[] = [];
  readonly acknowledged: string[] = [];
  inFlight = 0;
  mostInFlight = 0;

  constructor(private readonly fails: (event: LoggedEvent, attempt: number) => Error | undefined = () => undefined) {}

  async publish(event: LoggedEvent): Promise<void> {
    const attempt = this.attempts.filter((id) => id === event.id).length + 1;
    this.attempts.push(event.id);
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.inFlight -= 1;
    const failure = this.fails(event, attempt);
    if (failure) throw failure;
    this.acknowledged.push(event.id);
  }
}

const relayWith = (log: EventLog, publisher: EventPublisher, batch?: number) => new RelayEvents(log, publisher, new FixedClock(NOW), batch);
const subjectOf = (id: string) => id.slice(0, id.lastIndexOf('.'));
const perSubject = (ids: readonly string[]) => {
  const grouped = new Map<string, string[]>();
  for (const id of ids) grouped.set(subjectOf(id), [...(grouped.get(subjectOf(id)) ?? []), id]);
  return [...grouped.values()];
};

describe('relaying events', () => {
  it('sends at most one event per subject a round, the oldest, all of the round at once', async () => {
    const { log, ids } = logOf(3);
    const publisher = new FakePublisher();
    const relay = relayWith(log, publisher);

    const first = await relay.execute();
    expect(first).toMatchObject({ kind: 'relayed', published: 3, failures: [], deferred: 6, caughtUp: false });
    expect(publisher.acknowledged.sort()).toEqual(ids.map((life) => life[0]).sort());
    expect(publisher.mostInFlight).toBe(3);

    expect(await relay.execute()).toMatchObject({ published: 3, deferred: 3 });
    expect(await relay.execute()).toMatchObject({ published: 3, deferred: 0, caughtUp: true });
    expect(perSubject(publisher.acknowledged).sort()).toEqual(ids.sort());
    expect(await log.backlog()).toEqual({ waiting: 0 });
  });

  it('keeps an order\'s events in order when one fails, retrying it before anything later of its subject', async () => {
    const { log, ids } = logOf(2);
    const [stuck, free] = ids as [string[], string[]];
    // The first event of one order fails twice, then goes through.
    const publisher = new FakePublisher((event, attempt) => (event.id === stuck[0] && attempt <= 2 ? new PublishFailed('timeout', 'no ack in 2000 ms') : undefined));
    const relay = relayWith(log, publisher);

    const first = await relay.execute();
    expect(first).toMatchObject({ published: 1, failures: [{ id: stuck[0], subject: subjectOf(stuck[0]!), reason: 'timeout', detail: 'no ack in 2000 ms' }] });
    expect(first).toMatchObject({ caughtUp: false });
    await relay.execute();
    for (let round = 0; round < 4; round += 1) await relay.execute();

    expect(publisher.attempts.filter((id) => id === stuck[0])).toHaveLength(3);
    expect(perSubject(publisher.acknowledged).sort()).toEqual([stuck, free].sort());
    // Nothing of the stuck order was even tried before its first event went through.
    const triedLater = publisher.attempts.findIndex((id) => id === stuck[1]);
    expect(triedLater).toBeGreaterThan(publisher.attempts.lastIndexOf(stuck[0]!));
    expect(await log.backlog()).toEqual({ waiting: 0 });
  });

  it('marks published only what the broker acknowledged', async () => {
    const { log, ids } = logOf(2);
    const failing = ids[1]![0]!;
    const relay = relayWith(log, new FakePublisher((event) => (event.id === failing ? new PublishFailed('not-connected', 'down') : undefined)));

    await relay.execute();
    const waiting = (await log.unpublished(10)).map((event) => event.id);
    expect(waiting).toEqual(expect.arrayContaining([failing]));
    expect(waiting).not.toContain(ids[0]![0]);
    expect((await log.backlog()).waiting).toBe(5);
  });

  it('reports a rejection that is not a PublishFailed as `error`, and backs nothing off itself', async () => {
    const { log } = logOf(1);
    const relay = relayWith(log, new FakePublisher(() => new Error('socket hang up')));
    const round = await relay.execute();
    expect(round).toMatchObject({ published: 0, failures: [{ reason: 'error', detail: 'socket hang up' }], caughtUp: false });
    expect((await log.backlog()).waiting).toBe(3);
  });

  it('publishes nothing, and reads nothing, while another replica holds the relay', async () => {
    const { log } = logOf(2);
    let reads = 0;
    const standby: EventLog = Object.assign(Object.create(log) as MemoryEventLog, {
      claimRelay: async () => false,
      unpublished: (limit: number) => ((reads += 1), log.unpublished(limit)),
    });
    const publisher = new FakePublisher();
    expect(await relayWith(standby, publisher).execute()).toEqual({ kind: 'standby' });
    expect([publisher.attempts, reads]).toEqual([[], 0]);
    expect((await log.backlog()).waiting).toBe(6);
  });

  it('times each acknowledged event from its commit, once, and a failed one only when it gets through', async () => {
    const { log, ids } = logOf(2);
    const [failing] = ids[1]!;
    const publisher = new FakePublisher((event, attempt) => (event.id === failing && attempt === 1 ? new PublishFailed('timeout', 'no ack') : undefined));
    const relay = relayWith(log, publisher);
    const first = await relay.execute();
    if (first.kind !== 'relayed') throw new Error(first.kind);
    expect([first.published, first.delaysMs.length]).toEqual([1, 1]);
    expect(first.delaysMs[0]).toBeGreaterThanOrEqual(0);
    expect(first.delaysMs[0]).toBeLessThan(1_000);
    const second = await relay.execute();
    if (second.kind !== 'relayed') throw new Error(second.kind);
    // The retried event and the next of the first order: both timed, from their commits.
    expect([second.published, second.delaysMs.length]).toEqual([2, 2]);
    // Told once: an event committed by another process, or already timed, has no commit time here.
    expect(log.takeCommitTime(ids[0]![0]!)).toBeUndefined();
  });

  it('keeps commit times only once a relay is expected: with the feed alone nobody would take them', () => {
    const log = new MemoryEventLog();
    const before = moved(anOrder(), 'confirmed');
    log.record({ kind: 'order-changed', order: before, previousStatus: null });
    log.expectRelay();
    const after = moved(anOrder(), 'confirmed');
    log.record({ kind: 'order-changed', order: after, previousStatus: null });
    expect(log.takeCommitTime(`${before.id}.${before.version}`)).toBeUndefined();
    expect(log.takeCommitTime(`${after.id}.${after.version}`)).toEqual(expect.any(Number));
  });

  it('says it is caught up only when nothing was left behind', async () => {
    const { log } = logOf(1);
    const relay = relayWith(log, new FakePublisher(), 2);
    const rounds = [];
    for (let i = 0; i < 4; i += 1) rounds.push(await relay.execute());
    // A full batch is never "caught up": more may wait behind it.
    expect(rounds.map((r) => r.kind === 'relayed' && [r.published, r.caughtUp])).toEqual([[1, false], [1, false], [1, true], [0, true]]);
  });
});
