import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { cloudEventRenderer } from '../../src/adapters/outbound/events/cloud-event.js';
import { EVENT_LOG_SQL } from '../../src/adapters/outbound/postgres/postgres-event-log.adapter.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, qty } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const moved = (order: Order, to: 'confirmed' | 'rejected') => (order.moveTo(to, NOW) as E.Right<Order>).right;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Blocks of events_unpublished the relay's read touches when it starts at `from`. */
async function indexBlocksFrom(database: TestDatabase, from: { tx: string; seq: string }): Promise<number> {
  const [row] = await database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${EVENT_LOG_SQL.UNPUBLISHED}`, [from.tx, from.seq, 256]);
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(row!['QUERY PLAN'][0].Plan);
  const scan = nodes.find((node) => node['Index Name'] === 'events_unpublished');
  if (!scan) throw new Error(`the read does not use events_unpublished: ${JSON.stringify(nodes.map((n) => n['Node Type']))}`);
  return (scan['Shared Hit Blocks'] ?? 0) + (scan['Shared Read Blocks'] ?? 0);
}

describe('the relay reading the PostgreSQL outbox', () => {
  let database: TestDatabase;
  let backend: StorageBackend;
  const place = (n: number) => Promise.all(Array.from({ length: n }, () => {
    const order = anOrder({ quantity: qty(1), now: NOW });
    return backend.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected'));
  }));
  /** One relay round that gets everything it read acknowledged. */
  const round = async () => {
    const events = await backend.events.unpublished(256);
    await backend.events.markPublished(events, NOW);
    return events;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    // As between two vacuums: the entries of published events stay in the partial index, dead.
    await database.query('ALTER TABLE events SET (autovacuum_enabled = false)').catch(() => {});
    backend = await openPostgresBackend({ url: database.url, poolMax: 4, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
    await backend.catalog!.seed([aBook({ stock: 1_000_000 })]);
    expect(await backend.events.claimRelay()).toBe(true);
  });
  afterAll(async () => {
    await backend.close();
    await database.drop();
  });

  it('starts its read where the unpublished begin, not at the entries of what it already published', async () => {
    for (let i = 0; i < 40; i += 1) {
      await place(100);
      while ((await round()).length > 0);
    }
    await place(5);
    expect(await backend.events.unpublished(256)).toHaveLength(5);
    // 4,000 dead entries stay in the partial index until a vacuum. From the start, a read walks every page of them;
    // from the horizon the adapter keeps (nothing unpublished lies below the oldest running transaction's xid, or
    // below the oldest event a round left unpublished), a few.
    const [horizon] = await database.query<{ tx: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS tx');
    const fromStart = await indexBlocksFrom(database, { tx: '0', seq: '0' });
    const fromHorizon = await indexBlocksFrom(database, { tx: horizon!.tx, seq: '0' });
    expect(fromStart).toBeGreaterThan(10);
    expect(fromHorizon).toBeLessThan(5);
  });

  it('still finds an event whose transaction began before a round and committed after it', async () => {
    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const record = cloudEventRenderer()({ kind: 'order-changed', order: moved(anOrder({ now: NOW }), 'confirmed'), previousStatus: null });
      // Its xid is taken now, below the placements that follow.
      await slow.query('INSERT INTO events (id, type, subject, occurred_at, body) VALUES ($1, $2, $3, $4, $5)',
        [record.id, record.type, record.subject, record.time, record.body]);
      await place(20);
      while ((await round()).length > 0);
      await slow.query('COMMIT');
      expect((await round()).map((event) => event.id)).toEqual([record.id]);
    } finally {
      await slow.end();
    }
  });

  it('leaves what the broker did not acknowledge for the next round, and what lay beyond a full batch', async () => {
    await place(300);
    const first = await backend.events.unpublished(256);
    expect(first).toHaveLength(256);
    // All but the 10th acknowledged: it, and the 44 beyond the batch, are what the next read finds.
    await backend.events.markPublished(first.filter((_, i) => i !== 9), NOW);
    const next = await backend.events.unpublished(256);
    expect(next.map((e) => e.id)).toEqual([first[9]!.id, ...next.slice(1).map((e) => e.id)]);
    expect(next).toHaveLength(45);
    await backend.events.markPublished(next, NOW);
    expect(await backend.events.unpublished(256)).toEqual([]);
  });
});
