// The growth run: the embedded store with a thousand and with a million orders already in it, measured side by
// side (interleaved, so machine noise hits both alike). The stores are filled straight into SQLite in one
// transaction per store, through the service's own schema migration, not through HTTP.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runLoad, sampleRss } from './processes.mjs';
import { foldRounds, rotated } from './rounds.mjs';
import { SERVICE_MAIN, startService } from './targets.mjs';

const require = createRequire(import.meta.url);
/** The get load's working set: the same number of distinct orders, spread evenly over the store, at every size
 * (all of the smallest store's orders), so that what a get costs differs by the store's size alone and not by how
 * many distinct orders the load happens to touch. */
const SAMPLE_IDS = 1000;
/** Few enough users that each holds more than a full list page even in the smallest store, so list answers are
 * the same size at every store size and only the store's size differs. */
const GROWTH_USERS = 20;

/** A UUIDv7-shaped id for a past millisecond: the same key shape and insert order as the service's own ids. */
const pastId = (millis, n) => {
  const hex = millis.toString(16).padStart(12, '0') + (0x7000 | (n & 0xfff)).toString(16)
    + (0x8000 | ((n >>> 12) & 0x3fff)).toString(16) + (n >>> 0).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** Fills a fresh embedded store with `count` confirmed orders (and their stock holds); returns ids to read. */
export async function prefillEmbedded({ dataDir, count, users, books }) {
  mkdirSync(dataDir, { recursive: true });
  const schema = await import(pathToFileURL(join(SERVICE_MAIN, '../../adapters/outbound/embedded/sqlite-schema.js')).href);
  const Database = require('better-sqlite3');
  const db = new Database(join(dataDir, 'orders.sqlite3'));
  const started = Date.now();
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF'); // a throwaway fill: it is checkpointed and closed before the service opens it
    schema.migrate(db);
    const order = db.prepare(`INSERT INTO orders (id, book_id, user_id, quantity, unit_price_cents, total_cents, status,
      created_at, updated_at, version) VALUES (?, ?, ?, 1, 3999, 3999, 'confirmed', ?, ?, 2)`);
    const hold = db.prepare('INSERT INTO stock_holds (order_id, book_id, quantity) VALUES (?, ?, 1)');
    const ids = [];
    const first = Date.now() - count * 5 - 60_000;
    db.transaction(() => {
      for (let i = 0; i < count; i += 1) {
        const millis = first + i * 5;
        const id = pastId(millis, i);
        const book = books[i % books.length];
        order.run(id, book, `bench-u${i % users}`, millis, millis);
        hold.run(id, book);
        if (i % Math.max(1, Math.floor(count / SAMPLE_IDS)) === 0) ids.push(id);
      }
    }).immediate();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { ids, fillSeconds: (Date.now() - started) / 1000 };
  } finally {
    db.close();
  }
}

/** Runs get, list and create at 64 connections against each size, interleaved; returns one row per size and op. */
export async function growthRun({ work, seedFile, sizes, settings, books, log }) {
  const users = GROWTH_USERS;
  const stores = [];
  try {
    for (const size of sizes) {
      const dataDir = join(work, `growth-${size}`);
      log(`growth: filling an embedded store with ${size.toLocaleString('en')} orders`);
      const { ids, fillSeconds } = await prefillEmbedded({ dataDir, count: size, users, books });
      const idsFile = join(work, `growth-${size}-ids.txt`);
      writeFileSync(idsFile, ids.join('\n'));
      const server = await startService({ name: `embedded-${size}`, work, seedFile,
        env: { STORAGE_BACKEND: 'embedded', DATA_DIR: dataDir, ...settings.embeddedEnv } });
      stores.push({ size, server, idsFile, fillSeconds });
    }
    // Short rounds alternating between the stores, each round starting with the other one, and the medians of their
    // rounds: drift on a shared machine then hits both sizes alike, and neither always runs second (a position that
    // moved one build by +29% and another by -7% in compare.mjs).
    const { rounds, roundS } = settings;
    const rows = [];
    for (const op of ['get', 'list', 'create']) {
      const measured = new Map(stores.map((store) => [store, []]));
      for (let round = 0; round < rounds; round += 1) {
        for (const store of rotated(stores, round)) {
          const stopSampling = sampleRss(store.server.pid);
          const result = await runLoad({ tool: settings.tool, url: store.server.url, op, connections: settings.growthConnections,
            durationS: roundS, warmupS: round === 0 ? settings.warmupS : 0, idsFile: store.idsFile, users, books, listLimit: settings.listLimit });
          measured.get(store).push({ ...result, rps: result.requests / result.durationS, peakRssMiB: stopSampling() / 1024 });
        }
      }
      for (const store of stores) {
        const all = measured.get(store);
        const row = { storedOrders: store.size, op, connections: settings.growthConnections, fillSeconds: store.fillSeconds,
          ...foldRounds(all) };
        rows.push(row);
        log(`growth ${op.padEnd(6)} ${String(store.size).padStart(8)} orders: ${row.rps.toFixed(0)} req/s `
          + `(rounds ${row.rounds.map((r) => r.rps.toFixed(0)).join(', ')}), p99 ${row.p99Ms.toFixed(1)} ms`);
      }
    }
    return rows;
  } finally {
    for (const store of stores) await store.server.stop();
  }
}
