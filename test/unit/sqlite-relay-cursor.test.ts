import { jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
import { SqliteDatabase } from '../../src/adapters/outbound/embedded/sqlite-database.js';
import { SqliteEventLog } from '../../src/adapters/outbound/embedded/sqlite-event-log.adapter.js';
import { EVENT_RELAY_CURSOR, ORDER_STORE } from '../../src/adapters/outbound/embedded/sqlite-schema.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { tempDir } from '../support/temp-dir.js';

const PUBLISHED_AT = Date.parse('2026-11-22T10:00:00.000Z');
const LATER = new Date(PUBLISHED_AT + 10 * 60_000);

/** A file an older build left: every version before the relay's cursor, with these events marked or not. */
function olderFile(dataDir: string, published: boolean[]): void {
  const db = new Database(join(dataDir, ORDER_STORE.file));
  const before = ORDER_STORE.migrations.indexOf(EVENT_RELAY_CURSOR);
  db.transaction(() => {
    ORDER_STORE.migrations.slice(0, before).forEach((sql) => db.exec(sql));
    db.pragma(`user_version = ${before}`);
    const insert = db.prepare('INSERT INTO events (id, subject, type, time, body, published_at) VALUES (?, ?, ?, ?, ?, ?)');
    published.forEach((marked, i) => insert.run(`e${i + 1}`, `o${i + 1}`, 'com.avakart.order.confirmed', PUBLISHED_AT, '{}', marked ? PUBLISHED_AT : null));
  })();
  db.close();
}

describe('the embedded relay cursor over a file an older build marked', () => {
  const dirs: Array<{ remove(): void }> = [];
  const backends: StorageBackend[] = [];
  const open = (published: boolean[]) => {
    const dir = tempDir();
    dirs.push(dir);
    olderFile(dir.path, published);
    const backend = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'normal' });
    backends.push(backend);
    return backend;
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
    dirs.splice(0).forEach((dir) => dir.remove());
  });
  const ids = (events: readonly { id: string }[]) => events.map((event) => event.id);

  it('starts below the oldest event left unpublished, and re-sends what was marked above it', async () => {
    const { events } = open([true, true, false, true, false]);
    expect(ids(await events.unpublished(10))).toEqual(['e3', 'e4', 'e5']);
    expect((await events.backlog()).waiting).toBe(3);
    // What was published before the cursor counts as published then: retention may take it.
    expect(await events.purge(LATER, true)).toBe(2);
  });

  it('starts past the last event when every one was published, and after nothing on an empty log', async () => {
    const all = open([true, true]);
    expect(await all.events.unpublished(10)).toEqual([]);
    expect(await all.events.backlog()).toEqual({ waiting: 0 });
    expect(await all.events.purge(LATER, true)).toBe(2);

    const none = open([]);
    expect(await none.events.unpublished(10)).toEqual([]);
    expect(await none.events.purge(LATER, true)).toBe(0);
  });

  it('keeps what it owes across a restart, and never purges past it', async () => {
    const dir = tempDir();
    dirs.push(dir);
    olderFile(dir.path, [false, false, false]);
    const first = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'normal' });
    const read = await first.events.unpublished(10);
    await first.events.markPublished([read[0]!, read[2]!], new Date(PUBLISHED_AT));
    await first.close();

    const again = openEmbeddedBackend({ dataDir: dir.path, synchronous: 'normal' });
    backends.push(again);
    expect(ids(await again.events.unpublished(10))).toEqual(['e2']);
    expect(await again.events.backlog()).toEqual({ waiting: 1, oldestAt: new Date(PUBLISHED_AT) });
    expect(await again.events.purge(LATER, true)).toBe(1); // e1; e2 is owed and e3 stays above it
    const [owed] = await again.events.unpublished(10);
    await again.events.markPublished([owed!], LATER);
    expect(await again.events.unpublished(10)).toEqual([]);
    expect(await again.events.purge(new Date(LATER.getTime() + 60_000), true)).toBe(2);
  });
});

describe('the embedded relay reading what this process appended from memory', () => {
  const dirs: Array<{ remove(): void }> = [];
  const stores: SqliteDatabase[] = [];
  afterEach(() => {
    stores.splice(0).forEach((store) => store.close());
    dirs.splice(0).forEach((dir) => dir.remove());
  });
  const openLog = () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = SqliteDatabase.open({ dataDir: dir.path, synchronous: 'normal' });
    stores.push(store);
    const log = new SqliteEventLog(store);
    log.expectRelay();
    return { store, log };
  };
  let made = 0;
  const record = (subject = `o${(made += 1)}`) =>
    ({ id: `${subject}.${made}`, subject, type: 'com.avakart.order.confirmed', time: new Date(PUBLISHED_AT), body: `{"n":${made}}` });
  const appendAll = (store: SqliteDatabase, log: SqliteEventLog, n: number) =>
    Promise.all(Array.from({ length: n }, () => store.write(() => log.append(record()))));
  /** What a read of the table itself hands out: a second log over the same connection, with no tail. */
  const fromTable = (store: SqliteDatabase, limit: number) => new SqliteEventLog(store).unpublished(limit);

  it('hands out exactly what the table holds, page after page, without reading it once caught up', async () => {
    const { store, log } = openLog();
    await appendAll(store, log, 3);
    expect(await log.unpublished(10)).toEqual(await fromTable(store, 10)); // the table: the tail starts past it
    await log.markPublished(await log.unpublished(10), LATER);
    await appendAll(store, log, 10); // positions 4 to 13
    const reads = jest.spyOn(store, 'read');
    for (let round = 0; round < 3; round += 1) {
      const handed = await log.unpublished(3);
      expect(handed).toEqual(await fromTable(store, 3)); // a log with no tail, from the cursor this one saved
      await log.markPublished(handed, LATER);
    }
    expect(reads).toHaveBeenCalledTimes(3); // fromTable's, none of the relay's own
    reads.mockRestore();
    expect((await log.unpublished(10)).map((e) => e.position)).toEqual(['13']);
  });

  it('never hands out an event whose write was undone', async () => {
    const { store, log } = openLog();
    await log.unpublished(10); // caught up on an empty table: the tail holds what comes next
    await appendAll(store, log, 1);
    await expect(store.write(() => {
      log.append(record('undone'));
      throw new Error('the write fails after its event');
    })).rejects.toThrow('the write fails');
    await appendAll(store, log, 1);
    const handed = await log.unpublished(10);
    expect(handed.map((e) => e.subject)).not.toContain('undone');
    expect(handed).toEqual(await fromTable(store, 10));
  });

  it('reads the table again when the relay falls far behind, and what it owes', async () => {
    const { store, log } = openLog();
    await log.unpublished(10);
    await appendAll(store, log, 4_200); // past what the tail keeps
    const first = await log.unpublished(256);
    expect(first).toEqual(await fromTable(store, 256));
    await log.markPublished(first.filter((_, i) => i !== 1), LATER); // the second one failed: owed
    const again = await log.unpublished(256);
    expect(again[0]).toEqual(first[1]);
    expect(again).toEqual(await fromTable(store, 256));
    expect(again).toHaveLength(256);
  });
});
