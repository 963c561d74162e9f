import type { NatsConnection } from '@nats-io/transport-node';
import type { RunningService } from '../../src/infrastructure/server.js';
import { describeWithNats, NATS_URL } from '../support/nats.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';
import {
  bigCatalog, deleteStream, eventually, metric, natsConnection, streamMessages, uniqueStream, type StreamMessage,
} from './jetstream-support.js';

interface Event { id: string; subject: string; orderversion?: number }

/**
 * Two PostgreSQL replicas place and cancel at once, each running a relay, while a consumer pages the feed of one
 * of them: the consumer and the stream both hold every event, none twice, none out of order per order.
 */
describeWithNats('two PostgreSQL replicas relaying to one stream', () => {
  let nc: NatsConnection;
  let db: TestDatabase;
  const dir = tempDir('replicas-relay-');
  const { stream, prefix } = uniqueStream();
  const replicas: RunningService[] = [];
  beforeAll(async () => {
    nc = await natsConnection(NATS_URL);
    db = await createTestDatabase();
    const env = {
      STORAGE_BACKEND: 'postgres', DATABASE_URL: db.url, INVENTORY_SEED_FILE: bigCatalog(dir.path),
      EVENTS_NATS_URL: NATS_URL, EVENTS_NATS_STREAM: stream, EVENTS_NATS_SUBJECT_PREFIX: prefix,
    };
    replicas.push(await startTestService(env), await startTestService(env));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await deleteStream(nc, stream);
    await nc.close();
    await db.drop();
    dir.remove();
  });

  it('both hold every event once, in order per order', async () => {
    const seen: Event[] = [];
    let cursor = '';
    let traffic = true;
    const consumer = (async () => {
      // Long-polls one replica while both write, then drains what is left.
      for (let idle = 0; traffic || idle < 3;) {
        const page = await request(replicas[0]!.url, 'GET', `/events?limit=200&wait=0.2${cursor ? `&after=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.events);
        cursor = page.body.nextCursor;
        idle = page.body.events.length ? 0 : idle + 1;
      }
    })();
    const work = Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 25; i += 1) {
        const [writer, other] = i % 2 ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
        const placed = await request(writer.url, 'POST', '/orders', { bookId: `b${(i % 3) + 1}`, userId: `w${worker}`, quantity: 1 });
        expect(placed.status).toBe(201);
        if (i % 3 === 0) {
          // The same cancel at both replicas at once: one change, one event.
          const answers = await Promise.all([writer, other].map((replica) =>
            request(replica.url, 'PUT', `/orders/${placed.body.id}/status`, { status: 'cancelled' })));
          expect(answers.map((a) => a.status)).toEqual([200, 200]);
        }
      }
    });
    await Promise.all(work);
    traffic = false;
    await consumer;

    const placedCount = 8 * 25;
    const cancelled = 8 * 9;
    expect(seen).toHaveLength(placedCount + cancelled);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expectInOrderPerOrder(seen);

    for (const replica of replicas) {
      await eventually(() => metric(replica, 'events_outbox_waiting'), (waiting) => waiting === 0, 20_000, 'events waiting');
    }
    const messages: StreamMessage[] = await streamMessages(nc, stream);
    const relayed: Event[] = messages.map((m) => JSON.parse(m.body) as Event);
    expect(relayed).toHaveLength(seen.length);
    expect(new Set(relayed.map((e) => e.id))).toEqual(new Set(seen.map((e) => e.id)));
    expect(messages.every((m) => m.headers['Nats-Msg-Id'] === (JSON.parse(m.body) as Event).id)).toBe(true);
    expectInOrderPerOrder(relayed);
    // One replica relayed at a time; between them, each event was acknowledged once.
    const published = await Promise.all(replicas.map((replica) => metric(replica, 'events_published_total')));
    expect(published.reduce((sum: number, n) => sum + (n ?? 0), 0)).toBeGreaterThanOrEqual(seen.length);
  });
});

function expectInOrderPerOrder(events: readonly Event[]): void {
  const last = new Map<string, number>();
  for (const event of events) {
    expect(event.orderversion).toBeGreaterThan(last.get(event.subject) ?? 0);
    last.set(event.subject, event.orderversion!);
  }
}
