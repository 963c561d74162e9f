import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import { PublishFailed } from '../../src/application/ports/event-publisher.port.js';
import { openJetStreamPublisher, type JetStreamPublisher, type PublisherStatus } from '../../src/adapters/outbound/nats/jetstream-publisher.adapter.js';
import { describeWithNats, NATS_URL } from '../support/nats.js';
import { deleteStream, eventually, natsConnection, streamMessages, uniqueStream } from './jetstream-support.js';

const event = (n: number, type = 'com.avakart.order.confirmed'): LoggedEvent => {
  const id = randomUUID();
  return { position: String(n), id, type, subject: `o-${n}`, time: new Date(), body: JSON.stringify({ id, n }) };
};

/** The reason a publish failed with, or 'published'. */
const outcome = (publishing: Promise<void>): Promise<string> =>
  publishing.then(() => 'published', (error: unknown) => (error instanceof PublishFailed ? error.reason : `not a PublishFailed: ${String(error)}`));

describeWithNats('the JetStream publisher', () => {
  let nc: NatsConnection;
  let manager: JetStreamManager;
  const streams: string[] = [];
  const publishers: JetStreamPublisher[] = [];
  beforeAll(async () => {
    nc = await natsConnection(NATS_URL);
    manager = await jetstreamManager(nc);
  });
  afterAll(async () => {
    for (const publisher of publishers) await publisher.close();
    for (const stream of streams) await deleteStream(nc, stream);
    await nc.close();
  });

  /** A publisher on a stream of its own, connected (its stream looked up or created) before it is returned. */
  const open = async (options: { publishTimeoutMs?: number } = {}) => {
    const { stream, prefix } = uniqueStream();
    streams.push(stream);
    const statuses: PublisherStatus[] = [];
    const publisher = openJetStreamPublisher({ url: NATS_URL, stream, subjectPrefix: prefix, onStatus: (s) => statuses.push(s), ...options });
    publishers.push(publisher);
    await eventually(async () => statuses.map((s) => s.kind), (kinds) => kinds.includes('stream-created'), 10_000, 'stream created');
    return { publisher, stream, prefix, statuses };
  };

  it('resolves once the stream stored the message, and a repeat of the same id is stored once', async () => {
    const { publisher, stream, prefix } = await open();
    const events = Array.from({ length: 300 }, (_, i) => event(i));
    // Concurrently, as the relay sends a round: every answer must settle its own publish.
    expect(new Set(await Promise.all(events.map((e) => outcome(publisher.publish(e)))))).toEqual(new Set(['published']));
    await publisher.publish(events[0]!);
    const stored = await streamMessages(nc, stream);
    expect(stored.map((m) => m.headers['Nats-Msg-Id'])).toEqual(events.map((e) => e.id));
    expect(stored[0]).toMatchObject({ subject: `${prefix}.order.confirmed`, body: events[0]!.body,
      headers: { 'Content-Type': 'application/cloudevents+json' } });
  });

  it('fails with no-stream when the stream went, and creates it again before the next publish', async () => {
    const { publisher, stream } = await open();
    await publisher.publish(event(1));
    await manager.streams.delete(stream);
    expect(await outcome(publisher.publish(event(2)))).toBe('no-stream');
    expect(await outcome(publisher.publish(event(3)))).toBe('published');
    expect((await manager.streams.info(stream)).state.messages).toBe(1);
  });

  it('fails with refused when the stream turns the message away', async () => {
    const { publisher, stream } = await open();
    const info = await manager.streams.info(stream);
    await manager.streams.update(stream, { ...info.config, max_msgs: 1, discard: 'new' as never });
    expect(await outcome(publisher.publish(event(1)))).toBe('published');
    expect(await outcome(publisher.publish(event(2)))).toBe('refused');
  });

  it('fails with timeout when nothing answers in time', async () => {
    const { publisher, stream, prefix } = await open({ publishTimeoutMs: 300 });
    // A stream that takes the subject but never answers is not to be had: a core subscriber that stays silent,
    // on a subject the stream does not take, stands for it.
    await manager.streams.update(stream, { ...(await manager.streams.info(stream)).config, subjects: [`${prefix}.order.shipped`] });
    const silent = nc.subscribe(`${prefix}.order.confirmed`);
    await nc.flush();
    try {
      const started = Date.now();
      expect(await outcome(publisher.publish(event(1)))).toBe('timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      silent.unsubscribe();
    }
  });

  it('rejects unknown event types and publishes after close as failures, not throws', async () => {
    const { publisher } = await open();
    expect(await outcome(publisher.publish(event(1, 'com.avakart.order.unheard-of')))).toBe('unroutable');
    await publisher.close();
    expect(await outcome(publisher.publish(event(2)))).toBe('not-connected');
  });
});
