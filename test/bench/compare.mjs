// A/B measurements for performance work: starts the baseline and several variants of the service (each its own
// environment, or its own build folder), then runs the same load against each in turn, round after round, and
// prints the median of each. Interleaving rounds is what makes a comparison fair on a shared, noisy machine.
//   node test/bench/compare.mjs '<json>'
//   json: { "op": "create", "connections": 64, "rounds": 3, "durationS": 5, "warmupS": 1,
//           "variants": [{ "name": "default", "env": { "STORAGE_BACKEND": "memory" } },
//                        { "name": "no-logs", "env": { "STORAGE_BACKEND": "memory", "LOG_LEVEL": "silent" },
//                          "main": "/path/to/other/dist/infrastructure/main.js" }] }
//   Streams named by a variant's EVENTS_NATS_STREAM are deleted at the end.
//   A variant runs with the node flags of the image's CMD (or its own "nodeArgs" in their place) and the image's
//   environment under its own "env";
//   { "name": "koa-floor", "script": "koa-floor-server.mjs" } runs one of the bench's own servers instead (its
//   "nodeArgs", e.g. --cpu-prof, go before the script).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, runLoad, sampleRss, startServer } from './processes.mjs';
import { median } from './rounds.mjs';
import { PRODUCTION_ENV, PRODUCTION_NODE_ARGS, SERVICE_MAIN } from './targets.mjs';

const spec = { op: 'create', connections: 64, rounds: 3, durationS: 5, warmupS: 1, ...JSON.parse(process.argv[2] ?? '{}') };
const tool = spec.tool ?? (process.env.BENCH_TOOL || 'loadgen');
const books = JSON.parse(readFileSync(fileURLToPath(new URL('../../src/infrastructure/demo-catalog.json', import.meta.url)), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'avakart-compare-'));
const seedFile = join(work, 'catalog.json');
writeFileSync(seedFile, JSON.stringify(books.map((b) => ({ ...b, quantity: 2_000_000_000 }))));
const variants = [{ name: 'baseline', script: 'baseline-server.mjs' }, ...spec.variants];
const servers = [];
try {
  for (const variant of variants) {
    const port = await freePort();
    const dataDir = join(work, `${variant.name}-data`);
    mkdirSync(dataDir);
    servers.push(await startServer({
      name: variant.name, port, logFile: join(work, `${variant.name}.log`),
      args: variant.script ? [...(variant.nodeArgs ?? []), fileURLToPath(new URL(`./${variant.script}`, import.meta.url)), String(port)]
        : [...(variant.nodeArgs ?? PRODUCTION_NODE_ARGS), variant.main ?? SERVICE_MAIN],
      env: { ...(variant.script ? {} : PRODUCTION_ENV), HOST: '127.0.0.1', PORT: String(port), INVENTORY_SEED_FILE: seedFile, DATA_DIR: dataDir, ...variant.env },
    }));
  }
  const ids = join(work, 'ids.txt');
  const results = new Map(variants.map((v) => [v.name, []]));
  for (let round = 0; round < spec.rounds; round += 1) {
    // Each round starts one server later. In a fixed order, one build measured 29% faster than another when run
    // after it and 7% slower when run before it: a bias of the position, not of the code.
    for (const server of servers.map((_, i) => servers[(i + round) % servers.length])) {
      if (spec.op === 'get' && round === 0) {
        const answer = await fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bookId: 'b1', userId: 'bench-u1', quantity: 1 }) });
        writeFileSync(`${ids}.${server.name}`, (await answer.json()).id);
      }
      const stop = sampleRss(server.pid);
      const r = await runLoad({ tool, url: server.url, op: spec.op, connections: spec.connections, durationS: spec.durationS,
        warmupS: round === 0 ? spec.warmupS : 0, idsFile: spec.op === 'get' ? `${ids}.${server.name}` : undefined,
        users: 100, books: books.map((b) => b.id), listLimit: 20 });
      results.get(server.name).push({ rps: r.requests / r.durationS, p50: r.p50Ms, p99: r.p99Ms, errors: r.non2xx + r.socketErrors, rss: stop() / 1024 });
      process.stderr.write(`round ${round + 1} ${server.name}: ${(r.requests / r.durationS).toFixed(0)} req/s p99 ${r.p99Ms.toFixed(1)} ms\n`);
    }
  }
  const base = median(results.get('baseline').map((r) => r.rps));
  process.stdout.write(`${spec.op} @${spec.connections}, ${spec.rounds} rounds of ${spec.durationS}s, medians (${tool}):\n`);
  for (const [name, rows] of results) {
    const rps = median(rows.map((r) => r.rps));
    process.stdout.write(`${name.padEnd(24)} ${rps.toFixed(0).padStart(7)} req/s  ×${(rps / base).toFixed(2)}  p50 ${median(rows.map((r) => r.p50)).toFixed(2)} ms`
      + `  p99 ${median(rows.map((r) => r.p99)).toFixed(2)} ms  errors ${rows.reduce((a, r) => a + r.errors, 0)}  RSS ${Math.max(...rows.map((r) => r.rss)).toFixed(0)} MiB\n`);
  }
} finally {
  for (const server of servers) await server.stop();
  if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  await deleteStreams(variants).catch((error) => process.stderr.write(`deleting streams: ${error.message}\n`));
}

/** The JetStream streams the variants relayed to (their EVENTS_NATS_STREAM), which would otherwise keep every event. */
async function deleteStreams(relaying) {
  const streams = relaying.filter((v) => v.env?.EVENTS_NATS_URL && v.env.EVENTS_NATS_STREAM);
  for (const { env } of streams) {
    const nc = await connect({ servers: new URL(env.EVENTS_NATS_URL.split(',')[0]).host, timeout: 2000 });
    try {
      const manager = await jetstreamManager(nc);
      await manager.streams.delete(env.EVENTS_NATS_STREAM).catch(() => {}); // never created: nothing to delete
    } finally {
      await nc.close();
    }
  }
}
