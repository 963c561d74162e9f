// What the benchmark measures: the bare-http baseline, the Koa floor and the service on each storage backend whose
// code is in this build, plus `storage-service@before`: the storage-service backend of an earlier commit
// (BENCH_BEFORE_REF, built by before-build.mjs), for create only. A backend that cannot run here is skipped with a
// note, never failed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer } from './processes.mjs';
import { startFakeStorage } from './fake-storage-launcher.mjs';
import { BEFORE_REF, buildBefore } from './before-build.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// BENCH_SERVICE_MAIN runs another build of the service (an A/B of a change) in place of this one.
export const SERVICE_MAIN = process.env.BENCH_SERVICE_MAIN ?? join(ROOT, 'dist/infrastructure/main.js');
const DOCKERFILE = readFileSync(join(ROOT, 'builds/dockerfiles/Dockerfile.order-processing'), 'utf8');
/** The node flags the container image starts the service with, read from its CMD, so the bench runs it the same way. */
export const PRODUCTION_NODE_ARGS = (() => {
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(DOCKERFILE)[1]);
  return cmd.slice(1, cmd.indexOf('dist/infrastructure/main.js'));
})();
/**
 * The environment of the image's last stage (its ENV lines, `A=1 B=2` form), but DATA_DIR: the bench gives each
 * service its own folder. The allocator's settings there change the resident set the bench reports.
 */
export const PRODUCTION_ENV = (() => {
  const lines = DOCKERFILE.split('\n').filter((line) => !/^\s*#/.test(line)).join('\n').replace(/\\\n/g, ' ').split('\n');
  const runtime = lines.slice(lines.findLastIndex((line) => /^FROM\s/.test(line)));
  const env = {};
  for (const line of runtime.filter((l) => /^ENV\s/.test(l))) {
    for (const m of line.slice(4).matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  delete env.DATA_DIR;
  return env;
})();
/** The servers the service is measured against, by target name: they store nothing and are not the service. */
const YARDSTICK_SCRIPTS = {
  'baseline': fileURLToPath(new URL('./baseline-server.mjs', import.meta.url)),
  'koa-floor': fileURLToPath(new URL('./koa-floor-server.mjs', import.meta.url)),
};
export const isYardstick = (name) => Object.hasOwn(YARDSTICK_SCRIPTS, name);
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The service as production runs it (the image's node flags and environment, info logs, metrics on), on loopback,
 * with the bench's large-stock catalog.
 */
export async function startService({ name, env, work, seedFile, nodeArgs = [], main = SERVICE_MAIN }) {
  const port = await freePort();
  return startServer({
    name,
    port,
    args: [...PRODUCTION_NODE_ARGS, ...nodeArgs, main],
    logFile: join(work, `${name}.log`),
    env: { ...PRODUCTION_ENV, HOST: '127.0.0.1', PORT: String(port), INVENTORY_SEED_FILE: seedFile, SHUTDOWN_TIMEOUT_MS: '3000', ...env },
  });
}

/**
 * Each target: { name, ops?, connections?, open(ctx) → { server, fake?, databaseUrl?, close() } } or a skip note;
 * `ops` and `connections` limit what is measured on it. `wanted` (BENCH_BACKENDS) picks backends; the yardsticks
 * always run, and storage-service@before runs with storage-service unless BENCH_BEFORE_REF=none.
 */
export async function availableTargets(wanted) {
  const targets = [...Object.keys(YARDSTICK_SCRIPTS).map((name) => ({ name, open: openYardstick })), { name: 'memory', open: openMemory },
    { name: 'embedded', open: openEmbedded }];
  const skipped = [];
  const storage = storageServiceSupport();
  if (storage.ok) targets.push({ name: 'storage-service', open: openStorageService });
  else skipped.push({ name: 'storage-service', note: storage.note });
  if (BEFORE_REF === 'none') skipped.push({ name: 'storage-service@before', note: 'skipped by BENCH_BEFORE_REF=none' });
  else if (storage.ok) targets.push({ name: 'storage-service@before', ops: ['create'], connections: [64], open: openStorageServiceBefore });
  const postgres = await postgresSupport();
  if (postgres.ok) targets.push({ name: 'postgres', open: openPostgres });
  else skipped.push({ name: 'postgres', note: postgres.note });
  const chosen = wanted ? targets.filter((t) => isYardstick(t.name) || wanted.includes(t.name)
    || (t.name === 'storage-service@before' && wanted.includes('storage-service'))) : targets;
  return { targets: chosen, skipped };
}

async function openYardstick({ name, work }) {
  const port = await freePort();
  const server = await startServer({ name, port, args: [YARDSTICK_SCRIPTS[name], String(port)], logFile: join(work, `${name}.log`) });
  return { server, close: () => server.stop() };
}

const serviceWith = (env, main) => async (ctx) => {
  const server = await startService({ ...ctx, name: ctx.name, env, main });
  return { server, close: () => server.stop() };
};

/**
 * The memory backend keeps every order of the run on its heap (it is for tests, and no manifest deploys it): under
 * the image's 160 MiB old space a fast machine's create load filled it and the process died, so it runs with room
 * for the whole run. Its RSS is not a target.
 */
const MEMORY_BACKEND_NODE_ARGS = ['--max-old-space-size=2048'];
const openMemory = (ctx) => serviceWith({ STORAGE_BACKEND: 'memory' })({ ...ctx, nodeArgs: [...(ctx.nodeArgs ?? []), ...MEMORY_BACKEND_NODE_ARGS] });

async function openEmbedded(ctx) {
  const dataDir = join(ctx.work, 'embedded-data');
  mkdirSync(dataDir, { recursive: true });
  return serviceWith({ STORAGE_BACKEND: 'embedded', DATA_DIR: dataDir, ...ctx.embeddedEnv })(ctx);
}

function storageServiceSupport() {
  const adapter = existsSync(join(ROOT, 'src/adapters/outbound/storage-service'));
  const fake = existsSync(join(ROOT, 'test/fakes/fake-storage-service.ts'));
  if (!adapter) return { ok: false, note: 'no storage-service adapter in src/ yet' };
  if (!fake) return { ok: false, note: 'no test/fakes/fake-storage-service.ts yet' };
  return { ok: true };
}

// One storage call in flight at a time, as the deployment runs it against the original storage service.
const STORAGE_SERVICE_ENV = { STORAGE_BACKEND: 'storage-service', STORAGE_MAX_CONCURRENCY: '1' };

async function openStorageServiceBefore(ctx) {
  const main = await buildBefore({ work: ctx.work, log: ctx.log });
  return openStorageService(ctx, main);
}

/** The service on the storage-service backend against its own loopback fake (one fake per target). */
async function openStorageService(ctx, main) {
  const fake = await startFakeStorage(ctx);
  try {
    const service = await serviceWith({ ...STORAGE_SERVICE_ENV, STORAGE_SERVICE_URL: fake.url }, main)(ctx);
    return { server: service.server, fake, close: async () => { await service.close(); await fake.close(); } };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

export async function postgresSupport() {
  if (!existsSync(join(ROOT, 'src/adapters/outbound/postgres'))) return { ok: false, note: 'no postgres adapter in src/ yet' };
  try {
    await adminQuery('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, note: `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host} does not answer (${error.message})` };
  }
}

export async function adminQuery(sql) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function openPostgres(ctx) {
  return postgresWith()(ctx);
}

/** The service on PostgreSQL in a throwaway database of its own, with `env` added, from `main` (another build). */
export const postgresWith = (env = {}, main) => async (ctx) => {
  const name = `order_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE template0`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const drop = () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    const service = await serviceWith({ STORAGE_BACKEND: 'postgres', DATABASE_URL: url.toString(), ...env }, main)(ctx);
    return { server: service.server, databaseUrl: url.toString(), close: async () => { await service.close(); await drop(); } };
  } catch (error) {
    await drop();
    throw error;
  }
};

/** The service on the embedded store in a data folder of its own (named after the target), with `env` added. */
export const embeddedWith = (env = {}, main) => async (ctx) => {
  const dataDir = join(ctx.work, `${ctx.name.replace(/[^A-Za-z0-9._-]/g, '_')}-data`);
  mkdirSync(dataDir, { recursive: true });
  return serviceWith({ STORAGE_BACKEND: 'embedded', DATA_DIR: dataDir, ...ctx.embeddedEnv, ...env }, main)(ctx);
};
