import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { cloudEventRenderer } from '../../src/adapters/outbound/events/cloud-event.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { PostgresEventLog } from '../../src/adapters/outbound/postgres/postgres-event-log.adapter.js';
import { openPostgresBackend } from '../../src/adapters/outbound/postgres/postgres.backend.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { DependencyFailure } from '../../src/application/dependency-failure.js';
import type { FeedRead, LoggedEvent } from '../../src/application/ports/event-log.port.js';
import type { Order } from '../../src/domain/order.js';
import { aBook, anOrder, qty } from '../support/order-mother.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';
import { settledReads } from './settled-reads.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const FUTURE = new Date(Date.now() + 3_600_000);
const moved = (order: Order, to: 'confirmed' | 'rejected') => (order.moveTo(to, NOW) as E.Right<Order>).right;
const page = (read: FeedRead) => {
  if (read.kind !== 'page') throw new Error(read.kind);
  return read;
};

describe('purging the PostgreSQL event log', () => {
  let database: TestDatabase;
  let backend: StorageBackend;
  const open = () => openPostgresBackend({ url: database.url, poolMax: 3, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 });
  const place = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      const order = anOrder({ quantity: qty(1), now: NOW });
      await backend.orders.place(moved(order, 'confirmed'), () => moved(order, 'rejected'));
    }
  };
  const count = async () => (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase();
    backend = await open();
    await backend.catalog!.seed([aBook({ stock: 100 })]);
  });
  afterAll(async () => {
    await backend.close();
    await database.drop();
  });

  it('stops below a transaction still open, and keeps refusing older cursors once the table is empty', async () => {
    const log = settledReads(backend.events, database.url);
    await place(3);
    const first = page(await log.read(undefined, 10)).events;
    expect(first).toHaveLength(3);

    // A transaction holding an xid below the next placements', with an event not yet committed.
    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    await slow.query('BEGIN');
    const record = cloudEventRenderer()({ kind: 'order-changed', order: moved(anOrder({ now: NOW }), 'confirmed'), previousStatus: null });
    await slow.query('INSERT INTO events (id, type, subject, occurred_at, body) VALUES ($1, $2, $3, $4, $5)',
      [record.id, record.type, record.subject, record.time, record.body]);
    await place(2);

    // Everything qualifies by time, but only what lies below the open transaction may go (other test files'
    // transactions can hold the gate lower for a moment: purge until the three are gone, never more).
    let purged = 0;
    for (const started = Date.now(); purged < 3 && Date.now() - started < 5_000;) purged += await backend.events.purge(FUTURE, false);
    expect(purged).toBe(3);
    expect(await backend.events.purge(FUTURE, false)).toBe(0);
    expect(await count()).toBe(2);
    expect((await backend.events.read(first[2]!.position, 10)).kind).toBe('page');
    expect((await backend.events.read(first[1]!.position, 10)).kind).toBe('expired');

    await slow.query('COMMIT');
    await slow.end();
    expect(await log.purge(FUTURE, false)).toBe(3);
    expect(await count()).toBe(0);
    await log.close();

    // Empty, and reopened: how far purging went is still known.
    await backend.close();
    backend = await open();
    const reopened = settledReads(backend.events, database.url);
    const start = page(await reopened.read(undefined, 10));
    expect(start.events).toEqual([]);
    for (const old of first) expect((await reopened.read(old.position, 10)).kind).toBe('expired');
    expect(page(await reopened.read(start.next, 10)).events).toEqual([]);

    // And the next event is served after it.
    await place(1);
    const next: LoggedEvent[] = [...page(await reopened.read(start.next, 10)).events];
    expect(next).toHaveLength(1);
    expect(page(await reopened.read(undefined, 10)).events).toEqual(next);
    await reopened.close();
  });

  it('fails with a DependencyFailure when the database does not answer: the relay claim, a read, and a long-poll at once', async () => {
    const db = PostgresDatabase.open({ url: 'postgres://postgres@127.0.0.1:1/none', poolMax: 1, connectTimeoutMs: 300, statementTimeoutMs: 300 });
    const log = new PostgresEventLog(db, {
      url: 'postgres://postgres@127.0.0.1:1/none', poolMax: 1, connectTimeoutMs: 300, statementTimeoutMs: 300, render: cloudEventRenderer(),
    });
    await expect(log.claimRelay()).rejects.toBeInstanceOf(DependencyFailure);
    await expect(log.read(undefined, 10)).rejects.toBeInstanceOf(DependencyFailure);
    // A long-poll on a store that does not answer ends at once: the read after it answers the failure.
    const started = Date.now();
    await log.waitForEvents(undefined, 5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    await log.close();
    await db.close();
  });
});
