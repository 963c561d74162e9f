import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openEmbeddedBackend } from '../../src/adapters/outbound/embedded/embedded.backend.js';
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
