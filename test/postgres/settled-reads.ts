import pg from 'pg';
import type { EventLog } from '../../src/application/ports/event-log.port.js';

/**
 * The PostgreSQL feed serves an event once every transaction older than it has ended, on the whole server: test
 * files running at the same time in other databases hold xids too. Tests that read right after writing wrap the
 * log with this: its reads and purges first wait until every transaction begun before the call has ended (so
 * they see every write the test made before them), then call the real log. Nothing else is changed.
 */
export function settledReads(log: EventLog, url: string): EventLog & { close(): Promise<void> } {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  const settled = async () => {
    await connected;
    const [{ mark }] = (await client.query<{ mark: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS mark')).rows as [{ mark: string }];
    for (const started = Date.now(); Date.now() - started < 10_000;) {
      const { rows: [row] } = await client.query<{ passed: boolean }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS passed', [mark]);
      if (row!.passed) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('a transaction on the server stayed open for 10 s');
  };
  return {
    read: async (after, limit) => {
      await settled();
      return log.read(after, limit);
    },
    purge: async (before, relayed) => {
      await settled();
      return log.purge(before, relayed);
    },
    waitForEvents: (after, timeoutMs, signal) => log.waitForEvents(after, timeoutMs, signal),
    waitForUnpublished: (timeoutMs, signal) => log.waitForUnpublished(timeoutMs, signal),
    takeCommitTime: (id) => log.takeCommitTime(id),
    expectRelay: () => log.expectRelay(),
    unpublished: (limit) => log.unpublished(limit),
    markPublished: (events, at) => log.markPublished(events, at),
    backlog: () => log.backlog(),
    claimRelay: () => log.claimRelay(),
    close: async () => {
      await connected.catch(() => {});
      await client.end();
    },
  };
}
