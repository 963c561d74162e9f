import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RunningService } from '../../src/infrastructure/server.js';
import { describeWithNats, NATS_URL } from '../support/nats.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';
import { openMemoryBackend } from '../../src/adapters/outbound/memory/memory.backend.js';
import {
  bigCatalog, deleteStream, eventually, expectStreamToMatchFeed, feedEvents, freePort, metric, natsConnection, streamMessages, uniqueStream,
} from './jetstream-support.js';

/** Places `count` orders, cancels every other one and ships the rest part of the way: 1 to 3 events each. */
async function orderTraffic(service: RunningService, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    const placed = await request(service.url, 'POST', '/orders', { bookId: `b${(i % 3) + 1}`, userId: `relay-${i % 7}`, quantity: 1 });
    expect(placed.status).toBe(201);
    const id = encodeURIComponent(placed.body.id);
    if (i % 2 === 0) return expect((await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' })).status).toBe(200);
    expect((await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'processing' })).status).toBe(200);
    if (i % 3 === 0) expect((await request(service.url, 'PUT', `/orders/${id}/status`, { status: 'cancelled' })).status).toBe(200);
  }));
}

describeWithNats('relaying events to NATS JetStream', () => {
  let nc: NatsConnection;
  const dir = tempDir('relay-');
  const streams: string[] = [];
  beforeAll(async () => {
    nc = await natsConnection(NATS_URL);
  });
  afterAll(async () => {
    for (const stream of streams) await deleteStream(nc, stream);
    await nc.close();
    dir.remove();
  });

  const start = (stream: string, prefix: string) => {
    streams.push(stream);
    return startTestService({
      EVENTS_NATS_URL: NATS_URL, EVENTS_NATS_STREAM: stream, EVENTS_NATS_SUBJECT_PREFIX: prefix, INVENTORY_SEED_FILE: bigCatalog(dir.path),
    });
  };
  const relayed = (service: RunningService) =>
    eventually(() => metric(service, 'events_outbox_waiting'), (waiting) => waiting === 0, 15_000, 'events waiting');

  it('creates the stream when missing, and puts every event on it once, on its subject, with its headers, in order', async () => {
    const { stream, prefix } = uniqueStream();
    const service = await start(stream, prefix);
    try {
      await orderTraffic(service, 60);
      await relayed(service);
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      expect(info.config.subjects).toEqual([`${prefix}.>`]);
      const feed = await feedEvents(service);
      expect(feed.length).toBe(60 + 30 + 30 + 10);
      const messages = await streamMessages(nc, stream);
      expect(messages).toHaveLength(feed.length);
      expectStreamToMatchFeed(messages, feed, prefix);
      expect(await metric(service, 'events_published_total')).toBe(feed.length);
      expect(await metric(service, 'events_outbox_oldest_age_seconds')).toBe(0);
      // Every event was committed by this process: each one timed from its commit to its acknowledgement.
      expect(await metric(service, 'events_outbox_delay_seconds_count')).toBe(feed.length);
      expect(await metric(service, 'events_outbox_delay_seconds_bucket', { le: '+Inf' })).toBe(feed.length);
    } finally {
      await service.stop();
    }
  });

  it('uses a stream that exists as it is', async () => {
    const { stream, prefix } = uniqueStream();
    const manager = await jetstreamManager(nc);
    const subjects = [`${prefix}.order.*`, `${prefix}.book.*`];
    await manager.streams.add({ name: stream, subjects, max_age: 3_600 * 1e9, description: 'made by the operator' });
    const service = await start(stream, prefix);
    try {
      await orderTraffic(service, 10);
      await relayed(service);
      const feed = await feedEvents(service);
      expectStreamToMatchFeed(await streamMessages(nc, stream), feed, prefix);
      const info = await manager.streams.info(stream);
      expect(info.config).toMatchObject({ subjects, max_age: 3_600 * 1e9, description: 'made by the operator' });
    } finally {
      await service.stop();
    }
  });

  it('starts, takes orders and stays ready with NATS unreachable; what waited is sent once a relay reaches NATS', async () => {
    const { stream, prefix } = uniqueStream();
    streams.push(stream);
    const backend = openMemoryBackend();
    const env = { EVENTS_NATS_STREAM: stream, EVENTS_NATS_SUBJECT_PREFIX: prefix, INVENTORY_SEED_FILE: bigCatalog(dir.path) };
    const startedAt = Date.now();
    const down = await startTestService({ ...env, EVENTS_NATS_URL: `nats://127.0.0.1:${await freePort()}` }, { backend });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await orderTraffic(down, 10);
    expect((await request(down.url, 'GET', '/health/ready')).status).toBe(200);
    const waiting = (await feedEvents(down)).length;
    expect(await metric(down, 'events_outbox_waiting')).toBe(waiting);
    await eventually(() => metric(down, 'events_publish_failures_total', { reason: 'not-connected' }), (n) => n! > 0, 5_000, 'failures');
    await down.stop();
    expect((await backend.events.backlog()).waiting).toBe(waiting);

    // The same outbox, relayed by a service that reaches NATS: all of it goes out, once.
    const up = await startTestService({ ...env, EVENTS_NATS_URL: NATS_URL }, { backend });
    try {
      await orderTraffic(up, 4);
      await relayed(up);
      const messages = await streamMessages(nc, stream);
      expect(messages).toHaveLength(waiting + 4 + 2 + 2 + 1);
      expectStreamToMatchFeed(messages, await feedEvents(up), prefix);
    } finally {
      await up.stop();
    }
  });
});
