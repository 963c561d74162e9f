import { Writable } from 'node:stream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import type { RunningService } from '../../src/infrastructure/server.js';
import { describeWithNats } from '../support/nats.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';
import {
  OwnNatsServer, bigCatalog, eventually, expectStreamToMatchFeed, feedEvents, freePort, metric, natsConnection, streamMessages, uniqueStream,
} from './jetstream-support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clients placing orders and moving them on, back to back, until stopped; every answer is kept. */
function orderLoad(service: RunningService, clients: number) {
  const statuses: number[] = [];
  let running = true;
  const client = async (n: number) => {
    for (let i = 0; running; i += 1) {
      const placed = await request(service.url, 'POST', '/orders', { bookId: `b${(i % 3) + 1}`, userId: `load-${n}`, quantity: 1 });
      statuses.push(placed.status);
      if (placed.status !== 201) continue;
      const id = encodeURIComponent(placed.body.id);
      const next = i % 2 ? 'cancelled' : 'processing';
      statuses.push((await request(service.url, 'PUT', `/orders/${id}/status`, { status: next })).status);
      await sleep(5);
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
  return { statuses, stop: async () => ((running = false), await done) };
}

/** Polls a probe every `everyMs` until stopped, keeping what it saw. */
function watch<T>(probe: () => Promise<T>, everyMs: number) {
  const seen: T[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      seen.push(await probe());
      await sleep(everyMs);
    }
  })();
  return { seen, stop: async () => ((running = false), await done) };
}

describeWithNats('NATS stopped for 10 s under load', () => {
  const dir = tempDir('nats-outage-');
  let nats: OwnNatsServer;
  let service: RunningService;
  const logLines: Array<{ msg: string; [field: string]: unknown }> = [];
  const { stream, prefix } = uniqueStream();

  beforeAll(async () => {
    nats = new OwnNatsServer(await freePort(), dir.path);
    await nats.start();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    service = await startTestService(
      { EVENTS_NATS_URL: nats.url, EVENTS_NATS_STREAM: stream, EVENTS_NATS_SUBJECT_PREFIX: prefix, INVENTORY_SEED_FILE: bigCatalog(dir.path) },
      { logger: pino({ level: 'info' }, sink) },
    );
  });
  afterAll(async () => {
    await service?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('keeps taking orders and stays ready; afterwards the stream holds every event once, in order per order', async () => {
    const load = orderLoad(service, 6);
    const ready = watch(async () => (await request(service.url, 'GET', '/health/ready')).status, 100);
    const backlog = watch(async () => (await metric(service, 'events_outbox_waiting'))!, 250);
    let stoppedAt = 0;
    let placedWhileDown = 0;
    try {
      await sleep(2_000);
      await nats.stop();
      stoppedAt = backlog.seen.length;
      const answeredBefore = load.statuses.length;
      await sleep(10_000);
      placedWhileDown = load.statuses.length - answeredBefore;
      await nats.start();
      await sleep(2_000);
    } finally {
      await load.stop();
    }
    try {
      await eventually(() => metric(service, 'events_outbox_waiting'), (waiting) => waiting === 0, 30_000, 'events waiting');
    } finally {
      await ready.stop();
      await backlog.stop();
    }

    // Orders went on being placed and moved, and readiness held, all through.
    expect(placedWhileDown).toBeGreaterThan(100); // answers while NATS was down
    expect(new Set(load.statuses)).toEqual(new Set([201, 200]));
    expect(new Set(ready.seen)).toEqual(new Set([200]));
    // The outbox grew while NATS was away and drained once it was back.
    const peak = Math.max(...backlog.seen.slice(stoppedAt));
    expect(peak).toBeGreaterThan(100);
    expect(await metric(service, 'events_outbox_waiting')).toBe(0);
    expect(await metric(service, 'events_outbox_oldest_age_seconds')).toBe(0);
    expect(await metric(service, 'events_publish_failures_total', { reason: 'not-connected' })).toBeGreaterThan(0);

    const nc: NatsConnection = await natsConnection(nats.url);
    try {
      const feed = await feedEvents(service);
      const messages = await streamMessages(nc, stream);
      expectStreamToMatchFeed(messages, feed, prefix);
      expect(new Set(messages.map((m) => m.headers['Nats-Msg-Id'])).size).toBe(feed.length);
      expect(await metric(service, 'events_published_total')).toBeGreaterThanOrEqual(feed.length);
    } finally {
      await nc.close();
    }

    // The relay said what happened once per change of state, not once per event.
    const relayLines = logLines.filter((line) => /^event relay: /.test(line.msg));
    expect(relayLines.map((line) => line.msg)).toEqual(expect.arrayContaining([
      'event relay: connected to NATS', 'event relay: NATS unavailable', 'event relay: backing off', 'event relay: caught up',
    ]));
    expect(relayLines.length).toBeLessThan(20);
    if (process.env.SHOW_RELAY_LOG) console.log(relayLines);
    expect(relayLines.filter((line) => line.msg === 'event relay: backing off').map((line) => line.reason)).toContain('not-connected');
  }, 90_000);
});
