// For the storage-service backend: how much time the service adds over the fake storage service's own time, and
// whether it keeps its connections to the fake open (keep-alive) rather than opening one per call.
import { readFileSync } from 'node:fs';
import { runLoad } from './processes.mjs';

/** Sockets from this machine to `port`, by TCP state, read from /proc/net/tcp (no `ss` needed). */
export function socketsTo(port) {
  const counts = { established: 0, timeWait: 0 };
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || parseInt(fields[2].split(':')[1], 16) !== port) continue;
      if (fields[3] === '01') counts.established += 1;
      if (fields[3] === '06') counts.timeWait += 1;
    }
  }
  return counts;
}

/**
 * A get by id is one call to the fake (GET /internal/orders/get). Its p50 through the service at one connection,
 * less the fake's own p50 for that call driven directly, is what the service adds. Then a get run at 64
 * connections while counting sockets to the fake: a pool that is reused stays near 64 open and leaves few closed.
 */
export async function measureStorageOverhead({ target, settings, runs, log }) {
  const common = { tool: settings.tool, durationS: settings.durationS, warmupS: settings.warmupS, idsFile: target.idsFile,
    users: 100, books: [], listLimit: settings.listLimit };
  const fake = await runLoad({ ...common, url: target.fake.url, op: 'get', connections: 1, getPrefix: '/internal/orders/get?id=' });
  const service = runs.find((r) => r.target === target.name && r.op === 'get' && r.connections === 1);
  const before = socketsTo(target.fake.port);
  let peakEstablished = before.established;
  const sampler = setInterval(() => { peakEstablished = Math.max(peakEstablished, socketsTo(target.fake.port).established); }, 200);
  const busy = await runLoad({ ...common, url: target.server.url, op: 'get', connections: 64, warmupS: 0 }).finally(() => clearInterval(sampler));
  const after = socketsTo(target.fake.port);
  const closed = Math.max(0, after.timeWait - before.timeWait);
  const result = {
    basis: 'get by id at 1 connection, one storage call per request',
    fakeP50Ms: fake.p50Ms, serviceP50Ms: service?.p50Ms ?? NaN, addedP50Ms: (service?.p50Ms ?? NaN) - fake.p50Ms,
    requestsAt64: busy.requests, peakConnectionsToFake: peakEstablished, connectionsClosedDuringRun: closed,
    connectionsReused: closed < Math.max(100, busy.requests / 100) && peakEstablished <= 200,
  };
  result.connectionsNote = `${busy.requests} gets at 64 connections used at most ${peakEstablished} sockets to the fake; ${closed} closed`;
  log(`storage-service: fake alone p50 ${fake.p50Ms.toFixed(2)} ms, through the service ${result.serviceP50Ms.toFixed(2)} ms; ${result.connectionsNote}`);
  return result;
}
