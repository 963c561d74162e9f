// `npm run bench`: the baseline, the Koa floor (the framework answering the same shapes with nothing else) and the
// service on every available backend, create/get/list at 1 and 64 connections, in BENCH_ROUNDS rounds (3; 1 when
// quick) of BENCH_DURATION_S ÷ rounds seconds, each target once per round in a rotated order, so that machine noise
// hits every target alike and a stall moves one round, not the median; the storage-service backend of the code
// before (BENCH_BEFORE_REF) for create; the pgbench yardstick against the postgres target's database after its
// create runs; then the growth run. Prints the results, the targets as MET / NOT MET with the machine, and writes
// test/bench/results/latest.json and latest.svg.
// BENCH_QUICK=1 (or --quick): a short smoke run. BENCH_BACKENDS=embedded,postgres: only those (and the yardsticks;
// storage-service brings storage-service@before). BENCH_GROWTH=0 / BENCH_MATRIX=0: skip the growth run / the main
// matrix. BENCH_TOOL=loadgen (the default, loadgen.mjs)|wrk|autocannon, BENCH_ROUNDS, BENCH_DURATION_S, BENCH_WARMUP_S,
// BENCH_GROWTH_SIZES=1000,1000000, BENCH_BEFORE_REF=<commit> (default 115d990; none: skip storage-service@before),
// BENCH_PROFILE=1 (CPU profiles of the services, summarised), BENCH_KEEP=1 (keep the work folder),
// BENCH_SERVICE_MAIN (another build, for an A/B).
// BENCH_EVENTS=1 / 0 (default: on in a full run, off in a quick one): the events and tracing run of
// events-bench.mjs (issues 12 and 14: create with events off at BENCH_EVENTS_REF, default c68e194, vs the feed only
// vs the relay to NATS at BENCH_NATS_URL, on embedded and PostgreSQL; tracing on vs off; outbox-to-stream latency),
// BENCH_EVENTS_ROUNDS (3; 1 when quick) interleaved rounds, BENCH_EVENTS_LATENCY_RATE orders/s (200).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsChart } from './chart.mjs';
import { growthRun } from './growth.mjs';
import { runLoad, sampleRss } from './processes.mjs';
import { formatSummary, summariseProfile } from './profile-summary.mjs';
import { BEFORE_REF, removeBefore } from './before-build.mjs';
import { addStorageCalls, storageCallsBetween } from './fake-storage-launcher.mjs';
import { runPgbenchYardstick } from './pgbench-yardstick.mjs';
import { growthTable, judgeTargets, resultsTable, verdictTables } from './report.mjs';
import { measureStorageOverhead } from './storage-overhead.mjs';
import { foldRounds, rotated } from './rounds.mjs';
import { availableTargets, isYardstick } from './targets.mjs';
import { eventsRun } from './events-bench.mjs';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const CATALOG = fileURLToPath(new URL('../../src/infrastructure/demo-catalog.json', import.meta.url));
const USERS = 100;
const log = (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function readSettings() {
  const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
  const env = process.env;
  const durationS = Number(env.BENCH_DURATION_S ?? (quick ? 2 : 8));
  const rounds = Math.max(1, Number(env.BENCH_ROUNDS ?? (quick ? 1 : 3)));
  return {
    quick,
    tool: env.BENCH_TOOL ?? 'loadgen',
    durationS,
    warmupS: Number(env.BENCH_WARMUP_S ?? (quick ? 1 : 2)),
    connections: [1, 64],
    rounds,
    // Each cell of the matrix (a target, an operation, a connection count) gets durationS in all, in `rounds` rounds.
    roundS: Math.max(1, Math.round(durationS / rounds)),
    growthConnections: 64,
    growthSizes: (env.BENCH_GROWTH_SIZES ?? (quick ? '1000,20000' : '1000,1000000')).split(',').map(Number).filter((n) => n > 0),
    growth: env.BENCH_GROWTH !== '0',
    matrix: env.BENCH_MATRIX !== '0',
    events: env.BENCH_EVENTS ? env.BENCH_EVENTS !== '0' : !quick,
    eventsRounds: Math.max(1, Number(env.BENCH_EVENTS_ROUNDS ?? (quick ? 1 : 3))),
    eventsLatencyRate: Number(env.BENCH_EVENTS_LATENCY_RATE ?? 200),
    backends: env.BENCH_BACKENDS?.split(',').map((s) => s.trim()),
    listLimit: 20,
    profile: env.BENCH_PROFILE === '1',
    keep: env.BENCH_KEEP === '1',
    embeddedEnv: env.EMBEDDED_SYNCHRONOUS ? { EMBEDDED_SYNCHRONOUS: env.EMBEDDED_SYNCHRONOUS } : {},
  };
}

const settings = readSettings();
const books = JSON.parse(readFileSync(CATALOG, 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'avakart-bench-'));
const seedFile = join(work, 'bench-catalog.json');
// The demo catalog's books with stock that a benchmark cannot exhaust (and that fits PostgreSQL's integer).
writeFileSync(seedFile, JSON.stringify(books.map((b) => ({ ...b, quantity: 2_000_000_000 }))));
const bookIds = books.map((b) => b.id);
const machine = { cpuModel: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version, kernel: release(), tool: settings.tool, loadAverageAtStart: loadavg().map((n) => +n.toFixed(2)) };
log(`${settings.quick ? 'quick' : 'full'} run with ${settings.tool}, ${settings.rounds} × ${settings.roundS}s per run after ${settings.warmupS}s warm-up; work in ${work}`);

const started = Date.now();
const opened = [];
const runs = [];
let growth = [];
let storage;
let pgbench;
let events;
/** By target: what its fake storage received during the create load at 64 connections (storageCallsBetween). */
const storageCalls = {};
const { targets, skipped } = settings.matrix ? await availableTargets(settings.backends) : { targets: [], skipped: [] };
try {
  for (const target of targets) {
    const profileDir = join(work, 'profiles', target.name);
    const nodeArgs = settings.profile && !isYardstick(target.name) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    try {
      opened.push({ name: target.name, ops: target.ops, connections: target.connections, profileDir,
        ...(await target.open({ name: target.name, work, seedFile, nodeArgs, embeddedEnv: settings.embeddedEnv, log })) });
      log(`started ${target.name}`);
    } catch (error) {
      skipped.push({ name: target.name, note: `could not start: ${error.message}` });
      log(`skipping ${target.name}: ${error.message}`);
    }
  }
  for (const op of ['create', 'get', 'list']) {
    const measuring = opened.filter((t) => !t.ops || t.ops.includes(op));
    if (op === 'get') for (const target of measuring) target.idsFile ??= await createSomeOrders(target).catch(() => undefined);
    for (const connections of settings.connections) {
      const cell = measuring.filter((t) => !t.connections || t.connections.includes(connections));
      const measured = new Map(cell.map((t) => [t, []]));
      const calls = new Map();
      for (let round = 0; round < settings.rounds; round += 1) {
        for (const target of rotated(cell, round)) {
          try {
            const countCalls = target.fake && op === 'create' && connections === 64;
            const callsBefore = countCalls ? await target.fake.counts() : undefined;
            measured.get(target).push(await measure(target, op, connections, round));
            if (countCalls) calls.set(target, [...(calls.get(target) ?? []), storageCallsBetween(callsBefore, await target.fake.counts())]);
          } catch (error) {
            skipped.push({ name: `${target.name} ${op} @${connections}`, note: `run failed: ${error.message.slice(0, 300)}` });
            log(`${target.name} ${op} @${connections} failed: ${error.message.slice(0, 300)}`);
          }
        }
      }
      for (const [target, rows] of measured) if (rows.length) runs.push(foldRounds(rows));
      for (const [target, each] of calls) {
        const c = (storageCalls[target.name] = addStorageCalls(each));
        log(`${target.name}: ${c.calls} storage calls (${c.writes} writes) for ${c.orders} orders: `
          + `${c.callsPerOrder.toFixed(2)} calls, ${c.writesPerOrder.toFixed(2)} writes per order; ${JSON.stringify(c.byRoute)}`);
      }
    }
    const postgres = opened.find((t) => t.name === 'postgres');
    if (op === 'create' && postgres) {
      try {
        pgbench = await runPgbenchYardstick({ databaseUrl: postgres.databaseUrl, work, settings, users: USERS, log });
      } catch (error) {
        skipped.push({ name: 'pgbench yardstick', note: `failed: ${error.message.slice(0, 300)}` });
        log(`pgbench yardstick failed: ${error.message.slice(0, 300)}`);
      }
    }
  }
  const storageTarget = opened.find((t) => t.name === 'storage-service');
  if (storageTarget) storage = await measureStorageOverhead({ target: storageTarget, settings, runs, log });
  for (const target of opened) target.hwmMiB = target.server.memory().hwmKiB / 1024;
} finally {
  for (const target of opened) await target.close().catch((error) => log(`stopping ${target.name}: ${error.message}`));
  removeBefore(work);
}
if (settings.events) {
  try {
    events = await eventsRun({ work, seedFile, settings, books: bookIds, users: USERS, log });
    skipped.push(...events.skipped);
  } catch (error) {
    skipped.push({ name: 'events run', note: `failed: ${error.message.slice(0, 300)}` });
    log(`events run failed: ${error.stack}`);
  } finally {
    removeBefore(work);
  }
}
if (settings.growth && (!settings.backends || settings.backends.includes('embedded'))) {
  growth = await growthRun({ work, seedFile, sizes: settings.growthSizes, settings, books: bookIds, log });
}

const yardstick = (name, op, connections) => runs.find((r) => r.target === name && r.op === op && r.connections === connections);
for (const r of runs) {
  r.ratio = r.rps / (yardstick('baseline', r.op, r.connections)?.rps ?? NaN);
  r.koaRatio = r.rps / (yardstick('koa-floor', r.op, r.connections)?.rps ?? NaN);
}
machine.loadAverageAtEnd = loadavg().map((n) => +n.toFixed(2));
machine.benchMinutes = +((Date.now() - started) / 60_000).toFixed(1);
const verdicts = judgeTargets({ runs, growth, storageCalls, pgbench, connections: 64, skipped });
if (events) verdicts.push(...events.verdicts);
const caption = `${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, load by ${machine.tool}, `
  + `${settings.rounds} × ${settings.roundS}s per run (medians), ${new Date().toISOString().slice(0, 16)}Z${settings.quick ? ' (quick run)' : ''}`;

const output = [`\nResults (${caption})\n`, resultsTable(runs)];
if (pgbench) output.push(`\npgbench yardstick (one transaction per order, ${settings.durationS}s each): `
  + `${pgbench.runs.map((r) => `${r.clients} client${r.clients > 1 ? 's' : ''} ${r.tps.toFixed(0)} tps`).join(', ')}; best ${pgbench.bestTps.toFixed(0)} tps`);
for (const [name, c] of Object.entries(storageCalls)) {
  output.push(`${name}: ${c.calls} storage calls, ${c.writes} writes for ${c.orders} orders in the create load at 64 connections `
    + `(${c.callsPerOrder.toFixed(2)} calls, ${c.writesPerOrder.toFixed(2)} writes per order): `
    + `${Object.entries(c.byRoute).map(([route, n]) => `${route} ${n}`).join(', ')}`);
}
if (storage) output.push(`storage-service: adds ${storage.addedP50Ms.toFixed(2)} ms at p50 over the fake's own time `
  + `(${storage.basis}); ${storage.connectionsNote}`);
if (events) output.push(events.table);
if (growth.length) output.push('\nGrowth run (embedded, 64 connections)\n', growthTable(growth));
if (skipped.length) output.push('\nSkipped:', ...skipped.map((s) => `- ${s.name}: ${s.note}`));
output.push(`\nTargets (64 connections; every ratio is to a yardstick of this run; storage-service@before is ${BEFORE_REF === 'none' ? 'not built' : BEFORE_REF})`,
  `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Linux ${machine.kernel}; `
  + `load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end; bench ${machine.benchMinutes} min\n`,
  verdictTables(verdicts));
process.stdout.write(`${output.join('\n')}\n`);

mkdirSync(RESULTS, { recursive: true });
// Only a complete default run replaces latest.*; smoke and partial runs land beside it, ignored by git.
const complete = !settings.quick && settings.matrix && settings.growth && !settings.backends && !process.env.BENCH_SERVICE_MAIN
  && BEFORE_REF !== 'none';
const stem = complete ? 'latest' : settings.quick ? 'quick' : 'partial';
writeFileSync(join(RESULTS, `${stem}.json`), `${JSON.stringify({ when: new Date().toISOString(), quick: settings.quick, machine,
  settings: { ...settings, backends: settings.backends ?? 'all available', beforeRef: BEFORE_REF }, runs, growth, storageService: storage,
  storageCallsDuringCreate: storageCalls, pgbenchYardstick: pgbench, eventsRun: events && { ...events, table: undefined },
  peakRssMiBByBackend: Object.fromEntries(opened.map((t) => [t.name, +t.hwmMiB?.toFixed(1)])), skipped, targets: verdicts }, null, 2)}\n`);
writeFileSync(join(RESULTS, `${stem}.svg`), resultsChart({ runs, growth, caption }));
log(`wrote ${join(RESULTS, `${stem}.json`)} and ${stem}.svg`);

if (settings.profile) printProfiles();
if (!settings.keep) rmSync(work, { recursive: true, force: true });

/** One round of one cell: the warm-up runs before the first round only. */
async function measure(target, op, connections, round) {
  assertRunning(target);
  const stopSampling = sampleRss(target.server.pid);
  const result = await runLoad({ tool: settings.tool, url: target.server.url, op, connections, durationS: settings.roundS,
    warmupS: round === 0 ? settings.warmupS : 0, idsFile: target.idsFile, users: USERS, books: bookIds, listLimit: settings.listLimit });
  assertRunning(target);
  const row = { target: target.name, op, connections, ...result, rps: result.requests / result.durationS, peakRssMiB: stopSampling() / 1024 };
  log(`${target.name.padEnd(16)} ${op.padEnd(6)} @${String(connections).padEnd(2)} round ${round + 1} ${row.rps.toFixed(0).padStart(6)} req/s  `
    + `p50 ${row.p50Ms.toFixed(2)} ms  p99 ${row.p99Ms.toFixed(2)} ms  errors ${row.non2xx + row.socketErrors}  RSS ${row.peakRssMiB.toFixed(0)} MiB`);
  return row;
}

/** A server that died under load says so, with its exit and where its log is, instead of failing the arithmetic. */
function assertRunning(target) {
  const exited = target.server.exited?.();
  if (exited) throw new Error(`${target.name} is not running (exit ${JSON.stringify(exited)}; its last output is in ${target.name}.log under the work folder, kept with BENCH_KEEP=1)`);
}

/** Orders to read back: one per bench user, created through the front door; their ids go to a file for the load. */
async function createSomeOrders(target) {
  const ids = [];
  for (let i = 0; i < USERS; i += 1) {
    const answer = await fetch(`${target.server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bookId: bookIds[i % bookIds.length], userId: `bench-u${i}`, quantity: 1 }) });
    const body = await answer.json();
    if (answer.status !== 201 || typeof body.id !== 'string') throw new Error(`${target.name}: creating an order answered ${answer.status}`);
    ids.push(body.id);
  }
  const file = join(work, `${target.name}-ids.txt`);
  writeFileSync(file, ids.join('\n'));
  return file;
}

function printProfiles() {
  for (const target of opened) {
    let files = [];
    try { files = readdirSync(target.profileDir).filter((f) => f.endsWith('.cpuprofile')); } catch { /* none */ }
    for (const file of files) {
      const summary = summariseProfile(JSON.parse(readFileSync(join(target.profileDir, file), 'utf8')), 15);
      process.stdout.write(`\nCPU profile of ${target.name} (${join(target.profileDir, file)}):\n${formatSummary(summary)}\n`);
    }
  }
  if (!settings.keep) log('profiles are removed with the work folder; set BENCH_KEEP=1 to keep them');
}
