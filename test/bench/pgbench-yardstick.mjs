// The PostgreSQL yardstick: what the server itself sustains for the work of one order, measured with pgbench in
// the same run against the same server and database as the service's postgres target. One transaction per order:
// insert the order, take one unit of stock (`UPDATE books SET stock = stock - 1 WHERE id = … AND stock >= 1`),
// insert its stock hold. It runs on a copy of the service's tables (columns, defaults, constraints and indexes, as
// the service's migrations left them) in a schema of its own, stocked with the service's books, so the service's
// own tables are left as they were.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export const PGBENCH_CLIENTS = [1, 10, 64];
const SCHEMA = 'bench_yardstick';

/** Copies the migrated tables the script touches into SCHEMA, with the service's books; returns their ids. */
async function prepare(databaseUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
      CREATE TABLE ${SCHEMA}.books (LIKE public.books INCLUDING ALL);
      CREATE TABLE ${SCHEMA}.orders (LIKE public.orders INCLUDING ALL);
      CREATE TABLE ${SCHEMA}.stock_holds (LIKE public.stock_holds INCLUDING ALL);
      INSERT INTO ${SCHEMA}.books SELECT * FROM public.books;`);
    const { rows } = await client.query(`SELECT id FROM ${SCHEMA}.books WHERE stock > 1000000 ORDER BY id`);
    if (!rows.length) throw new Error('the service\'s books table holds no well-stocked book');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/** The pgbench script: a time-ordered text id (the transaction's now(), as the service's UUIDv7 ids are), a random
 * book of the catalog and one of the bench's users, as the create load picks them. */
function script(bookIds, users) {
  const books = `(ARRAY[${bookIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')}])[:b]`;
  const id = `lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 14, '0') || '-' || :client_id || '-' || :r`;
  return `\\set b random(1, ${bookIds.length})
\\set u random(0, ${users - 1})
\\set r random(0, 2147483647)
BEGIN;
INSERT INTO ${SCHEMA}.orders (id, book_id, user_id, quantity, unit_price_cents, total_cents, status, created_at, updated_at, version)
  VALUES (${id}, ${books}, 'bench-u' || :u, 1, 3999, 3999, 'confirmed', now(), now(), 2);
UPDATE ${SCHEMA}.books SET stock = stock - 1 WHERE id = ${books} AND stock >= 1;
INSERT INTO ${SCHEMA}.stock_holds (order_id, book_id, quantity) VALUES (${id}, ${books}, 1);
END;
`;
}

function pgbench({ databaseUrl, scriptFile, clients, durationS }) {
  const url = new URL(databaseUrl);
  const args = ['-n', '-M', 'prepared', '-f', scriptFile, '-c', String(clients), '-j', String(Math.min(clients, cpus().length)),
    '-T', String(Math.max(1, Math.round(durationS))), '-h', url.hostname, '-p', url.port || '5432',
    '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.BENCH_PGBENCH ?? 'pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => {
      const tps = Number(/^tps = ([\d.]+)/m.exec(out)?.[1]);
      if (code !== 0 || !Number.isFinite(tps)) return reject(new Error(`pgbench -c ${clients} exited ${code}: ${out.slice(-600)}`));
      resolve({ clients, tps, transactions: Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]),
        failed: Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0),
        latencyMs: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]) });
    });
  });
}

/** Runs the script at each client count after a short warm-up; returns { script, runs: [{ clients, tps, … }], bestTps }. */
export async function runPgbenchYardstick({ databaseUrl, work, settings, users, log }) {
  const bookIds = await prepare(databaseUrl);
  const scriptFile = join(work, 'pgbench-order.sql');
  const text = script(bookIds, users);
  writeFileSync(scriptFile, text);
  if (settings.warmupS > 0) await pgbench({ databaseUrl, scriptFile, clients: 10, durationS: settings.warmupS });
  const runs = [];
  for (const clients of PGBENCH_CLIENTS) {
    const run = await pgbench({ databaseUrl, scriptFile, clients, durationS: settings.durationS });
    log(`pgbench yardstick -c ${String(clients).padEnd(2)} ${run.tps.toFixed(0).padStart(6)} tps  latency ${run.latencyMs} ms  failed ${run.failed}`);
    runs.push(run);
  }
  return { script: text, runs, bestTps: Math.max(...runs.map((r) => r.tps)) };
}
