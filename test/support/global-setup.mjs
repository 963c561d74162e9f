/**
 * Jest globalSetup: uses the PostgreSQL and NATS the environment names when they answer, starts what is missing
 * (test-services.mjs) and hands the URLs to the test workers through process.env, which they inherit. What cannot
 * be started is skipped with one line, except under CI, where the run fails instead.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkPostgres, findOnPath, natsAnswers } from './service-probes.mjs';

export const SERVICES = Symbol.for('order-service.test-services');
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const NATS_INSTALL = 'apt-get install nats-server (Debian: /usr/sbin) or brew install nats-server';

const say = (line) => process.stderr.write(`${line}\n`);

/** A service this run cannot have: the message says all there is to say, so Jest prints it without a stack. */
class MissingService extends Error {
  constructor(message) {
    super(message);
    Object.defineProperty(this, 'stack', { get: () => `${this.name}: ${this.message}` });
  }
}

export default async function globalSetup() {
  const underCi = /^(1|true)$/i.test(process.env.CI ?? '');
  const postgresUrl = process.env.TEST_POSTGRES_ADMIN_URL ?? DEFAULT_POSTGRES_URL;
  const natsUrl = process.env.TEST_NATS_URL ?? DEFAULT_NATS_URL;
  const [postgres, natsUp] = await Promise.all([checkPostgres(postgresUrl), natsAnswers(natsUrl)]);
  const postgresAt = new URL(postgresUrl).host;

  if (postgres.refused) {
    // A server the user named is one they mean to test against; the default one may belong to something else.
    if (process.env.TEST_POSTGRES_ADMIN_URL) {
      throw new MissingService(`PostgreSQL at ${postgresAt} (TEST_POSTGRES_ADMIN_URL) refused the tests: ${postgres.refused}`);
    }
    say(`PostgreSQL at ${postgresAt} refused the tests (${postgres.refused}); they use an embedded server instead`);
  }
  const natsBinary = natsUp ? undefined : findOnPath('nats-server');
  const natsMissing = `nothing answers at ${natsUrl} and no nats-server on PATH; install it: ${NATS_INSTALL}`;
  if (!natsUp && !natsBinary && underCi) throw new MissingService(`NATS is required under CI: ${natsMissing}`);

  const wanted = [...(postgres.ok ? [] : ['postgres']), ...(natsBinary ? [`nats=${natsBinary}`] : [])];
  const started = wanted.length > 0 ? await startServices(wanted) : {};
  process.env.TEST_POSTGRES_ADMIN_URL = started.postgres ?? postgresUrl;
  process.env.TEST_NATS_URL = started.nats ?? natsUrl;
  if (started.postgres) say(`PostgreSQL: nothing answers at ${postgresAt}; started an embedded server for this run`);
  if (started.nats) say(`NATS: nothing answers at ${natsUrl}; started ${natsBinary} for this run`);
  if (!natsUp && !natsBinary) {
    process.env.TEST_NATS_MISSING = '1';
    say(`NATS suites skipped: ${natsMissing}`);
  }
}

/** Forks test-services.mjs in a process group of its own, so Ctrl-C reaches Jest and the servers stop in order. */
function startServices(wanted) {
  const child = fork(fileURLToPath(new URL('./test-services.mjs', import.meta.url)), wanted, {
    detached: true,
    execArgv: [],
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  globalThis[SERVICES] = {
    stop: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      if (message.ready) resolve(message.ready);
      else reject(new MissingService(`the test run could not start ${wanted.map((w) => w.split('=')[0]).join(' and ')}: ${message.failed}`));
    });
    exited.then((code) => reject(new Error(`the test services process exited (${code}) before it was ready`)));
  });
}
