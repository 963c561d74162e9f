// Drives one load run from its own process, so the load generator never shares an event loop with the server.
//   node test/bench/load.mjs '<json spec>'   →  one JSON line on stdout
// spec: { tool: 'loadgen'|'wrk'|'autocannon', url, op: 'create'|'get'|'list', connections, durationS, warmupS,
//         idsFile?, getPrefix? (default '/orders/'), users, books, listLimit }
// Latency is kept in microseconds by both tools (autocannon's own histogram rounds to whole milliseconds, so its
// response events are recorded here instead).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop } from './loadgen.mjs';

const spec = JSON.parse(process.argv[2]);
const ids = spec.idsFile ? readFileSync(spec.idsFile, 'utf8').split('\n').filter(Boolean) : [];
if (spec.tool === 'loadgen') {
  process.stdout.write(`${JSON.stringify(await runLoadgen())}\n`);
} else {
  const run = spec.tool === 'wrk' ? runWrk : runAutocannon;
  if (spec.warmupS > 0) await run(spec.warmupS);
  process.stdout.write(`${JSON.stringify(await run(spec.durationS))}\n`);
}

/** The requests of one run, one per call, as { method, path, body? } (body JSON); wrk's script makes the same. */
function requestsOf(op) {
  let n = Math.floor(Math.random() * 1e6);
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  const prefix = spec.getPrefix ?? '/orders/';
  return {
    create: () => {
      n += 1;
      return { method: 'POST', path: '/orders',
        body: JSON.stringify({ bookId: spec.books[n % spec.books.length], userId: `bench-u${n % spec.users}`, quantity: 1 }) };
    },
    get: () => ({ method: 'GET', path: `${prefix}${pick(ids)}` }),
    list: () => ({ method: 'GET', path: `/orders/user/bench-u${Math.floor(Math.random() * spec.users)}?limit=${spec.listLimit}` }),
  }[op];
}

/** The bench's own generator (loadgen.mjs): the warm-up runs on the same connections, straight into the measure. */
async function runLoadgen() {
  const result = await closedLoop({ url: spec.url, connections: spec.connections, durationS: spec.durationS,
    warmupS: spec.warmupS ?? 0, next: requestsOf(spec.op) });
  return { tool: 'loadgen', ...result };
}

function runWrk(durationS) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    writeFileSync(join(dir, 'ids.txt'), ids.join('\n'));
    writeFileSync(join(dir, 'script.lua'), wrkScript(join(dir, 'ids.txt')));
    const out = spawnSync('wrk', ['-t1', `-c${spec.connections}`, `-d${Math.max(1, Math.round(durationS))}s`, '--timeout', '10s',
      '-s', join(dir, 'script.lua'), spec.url], { encoding: 'utf8', timeout: (durationS + 30) * 1000 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`wrk gave no result: ${out.stderr || out.stdout}`);
    return { tool: 'wrk', ...JSON.parse(line.slice('BENCH_RESULT '.length)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wrkScript(idsPath) {
  const books = spec.books.map((b) => JSON.stringify(b)).join(', ');
  return `
local books = { ${books} }
local ids = {}
for line in io.lines("${idsPath}") do ids[#ids + 1] = line end
math.randomseed(os.time())
local n = math.random(1, 1000000)
request = function()
  n = n + 1
  if "${spec.op}" == "create" then
    local body = '{"bookId":"' .. books[n % #books + 1] .. '","userId":"bench-u' .. (n % ${spec.users}) .. '","quantity":1}'
    return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
  elseif "${spec.op}" == "get" then
    return wrk.format("GET", "${spec.getPrefix ?? '/orders/'}" .. ids[math.random(1, #ids)])
  else
    return wrk.format("GET", "/orders/user/bench-u" .. math.random(0, ${spec.users} - 1) .. "?limit=${spec.listLimit}")
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_RESULT {"requests":%d,"durationS":%.3f,"p50Ms":%.3f,"p99Ms":%.3f,"non2xx":%d,"socketErrors":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;
}

async function runAutocannon(durationS) {
  const autocannon = createRequire(import.meta.url)('autocannon');
  const next = requestsOf(spec.op);
  const setupRequest = (request) => {
    const { method, path, body } = next();
    return body === undefined ? { ...request, method, path }
      : { ...request, method, path, headers: { 'content-type': 'application/json' }, body };
  };
  const latencies = [];
  let non2xx = 0;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon({ url: spec.url, connections: spec.connections, duration: durationS, timeout: 10,
      requests: [{ setupRequest }] }, (error, res) => (error ? reject(error) : resolve(res)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode < 200 || statusCode > 299) non2xx += 1;
    });
  });
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { tool: 'autocannon', requests: latencies.length, durationS: result.duration, p50Ms: at(50), p99Ms: at(99),
    non2xx, socketErrors: result.errors }; // autocannon counts timeouts among errors
}
