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
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Blocks of the events table's indexes the relay's read touches, from the cursor the relay saved. */
async function relayReadBlocks(database: TestDatabase): Promise<number> {
  const [state] = await database.query<{ tx: string; seq: string }>('SELECT after_tx::text AS tx, after_seq::text AS seq FROM events_relay');
  const [row] = await database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${EVENT_LOG_SQL.RELAY_READ}`, [state!.tx, state!.seq, 256, [], [], []]);
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(row!['QUERY PLAN'][0].Plan);
  if (nodes.some((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'events')) throw new Error('the read scans events');
  return nodes.filter((node) => node['Index Name'] === 'events_pkey')
    .reduce((sum, scan) => sum + (scan['Shared Hit Blocks'] ?? 0) + (scan['Shared Read Blocks'] ?? 0), 0);
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

  it('marks nothing per event, and starts its read at its cursor, however much it published before', async () => {
    const [before] = await database.query<{ n: number }>('SELECT n_tup_upd::int AS n FROM pg_stat_user_tables WHERE relname = \'events\'');
    for (let i = 0; i < 40; i += 1) {
      await place(100);
      while ((await round()).length > 0);
    }
    await place(5);
    expect(await backend.events.unpublished(256)).toHaveLength(5);
    // 4,000 events published: none of their rows was rewritten, and the read walks a few blocks of the primary key.
    await new Promise((resolve) => setTimeout(resolve, 600)); // the statistics collector's delay
    const [after] = await database.query<{ n: number }>('SELECT n_tup_upd::int AS n FROM pg_stat_user_tables WHERE relname = \'events\'');
    expect(after!.n - before!.n).toBe(0);
    expect(await relayReadBlocks(database)).toBeLessThan(6);
    expect((await backend.events.backlog()).waiting).toBe(5);
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

  it('hands a replica taking the role over the saved cursor: what was owed, and nothing already published', async () => {
    while ((await round()).length > 0);
    await place(3);
    const handed = await backend.events.unpublished(256);
    await backend.events.markPublished([handed[0]!, handed[2]!], NOW);
    await backend.close();
    backend = await openPostgresBackend({ url: database.url, poolMax: 4, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
    expect(await backend.events.claimRelay()).toBe(true);
    await place(1);
    const next = await backend.events.unpublished(256);
    expect(next.map((e) => e.id).slice(0, 1)).toEqual([handed[1]!.id]);
    expect(next).toHaveLength(2);
    expect((await backend.events.backlog()).waiting).toBe(2);
  });
});
