import { accessSync, constants, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** Errors that mean no server is there at all, as opposed to one that answered and said no. */
const NOTHING_THERE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

/**
 * `{ ok: true }` when the tests can use the server at `url`, `{ ok: false }` when nothing answers there, and
 * `{ ok: false, refused }` when a server answers but will not let the tests in (a wrong role or password).
 */
export async function checkPostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    const absent = NOTHING_THERE.has(error.code) || /timeout/i.test(error.message);
    return absent ? { ok: false } : { ok: false, refused: error.message };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a NATS server answers at `url`: it greets every connection with an INFO line before anything is sent. */
export function natsAnswers(url, timeoutMs = 2_000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 4222), hostname.replace(/^\[|\]$/g, ''));
    const answer = (yes) => {
      socket.destroy();
      resolve(yes);
    };
    socket.setTimeout(timeoutMs, () => answer(false));
    socket.once('error', () => answer(false));
    socket.once('data', (chunk) => answer(chunk.toString('latin1').startsWith('INFO ')));
  });
}

/** The path of an executable `name` on PATH, or undefined. */
export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A port nothing listens on now, chosen by the kernel, so two test runs side by side get different ones. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
