// Runs the loopback fake storage service (test/fakes/fake-storage-service.ts) as its own process for the
// storage-service backend. The fake is TypeScript; it is transpiled here with the project's own compiler into the
// bench's work folder, so the bench needs no TS loader.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './processes.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FAKE = join(ROOT, 'test/fakes/fake-storage-service.ts');

export async function startFakeStorage({ name = 'storage-service', work, seedFile }) {
  const outDir = join(work, 'fake-storage');
  const fakeModule = existsSync(join(outDir, 'package.json')) ? join(outDir, relative(ROOT, FAKE)).replace(/\.ts$/, '.js') : transpileFake(outDir);
  const file = name.replace(/[^\w.-]/g, '_');
  const runner = join(outDir, `run-fake-${file}.mjs`);
  const countsFile = join(work, `fake-storage-${file}.counts.json`);
  writeFileSync(runner, RUNNER.replace('FAKE_MODULE', JSON.stringify(pathToFileURL(fakeModule).href)));
  const server = await startServer({
    name: `fake-storage-${file}`, args: [runner, seedFile, countsFile], logFile: join(work, `fake-storage-${file}.log`),
    portFromOutput: /listening (\d+)/, readyPath: '/health/ready',
  });
  return { server, url: server.url, port: server.port, close: () => server.stop(), counts: () => settledCounts(countsFile) };
}

/**
 * The fake's running totals once they have settled: { calls: { 'METHOD /path': n }, orders, inFlight }, read from
 * the file its runner keeps. Settled means nothing in flight and the file unchanged for half a second (the runner
 * rewrites it within 100 ms of any change), so a load's last requests are counted; at most 10 s of waiting.
 */
async function settledCounts(countsFile) {
  const read = () => { try { return readFileSync(countsFile, 'utf8'); } catch { return '{"calls":{},"orders":0,"inFlight":0}'; } };
  const deadline = Date.now() + 10_000;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = read();
    if (now !== last) { last = now; since = Date.now(); continue; }
    if (Date.now() - since >= 500 && JSON.parse(now).inFlight === 0) break;
  }
  return JSON.parse(last);
}

/** What a load did to the fake, from its totals before and after: calls (and writes: POST, PUT) per order stored. */
export function storageCallsBetween(before, after) {
  const byRoute = {};
  for (const [route, n] of Object.entries(after.calls)) {
    const delta = n - (before.calls[route] ?? 0);
    if (delta > 0) byRoute[route] = delta;
  }
  return callsPerOrder(after.orders - before.orders, byRoute);
}

/** Several storageCallsBetween results (one per round) as one. */
export function addStorageCalls(each) {
  const byRoute = {};
  for (const c of each) for (const [route, n] of Object.entries(c.byRoute)) byRoute[route] = (byRoute[route] ?? 0) + n;
  return callsPerOrder(each.reduce((n, c) => n + c.orders, 0), byRoute);
}

function callsPerOrder(orders, byRoute) {
  const calls = Object.values(byRoute).reduce((a, n) => a + n, 0);
  const writes = Object.entries(byRoute).filter(([route]) => /^(POST|PUT|PATCH|DELETE) /.test(route)).reduce((a, [, n]) => a + n, 0);
  return { orders, calls, writes, callsPerOrder: calls / orders, writesPerOrder: writes / orders, byRoute };
}

// The fake is a class made for tests; this runs it as a process, stocked with the bench catalog. What it received
// is folded into totals by method and path every 100 ms and then forgotten (the log would only grow); the totals,
// the number of orders it holds and the requests in flight are written to the counts file (argv[3]) when they change.
const RUNNER = `
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
const { FakeStorageService } = await import(FAKE_MODULE);
const fake = await FakeStorageService.start();
for (const book of JSON.parse(readFileSync(process.argv[2], 'utf8'))) fake.addBook(book);
const countsFile = process.argv[3];
const calls = {};
let written = '';
const fold = () => {
  for (const r of fake.received.splice(0)) calls[r.method + ' ' + r.path] = (calls[r.method + ' ' + r.path] ?? 0) + 1;
  const text = JSON.stringify({ calls, orders: fake.orders.size, inFlight: fake.inFlight });
  if (text === written) return;
  writeFileSync(countsFile + '.tmp', text);
  renameSync(countsFile + '.tmp', countsFile);
  written = text;
};
fold();
setInterval(fold, 100).unref();
process.stdout.write('listening ' + new URL(fake.url).port + '\\n');
process.once('SIGTERM', () => fake.close().then(() => process.exit(0)));
`;

/** Transpiles the fake and the project files it imports (relative .js imports of .ts files), keeping the layout. */
function transpileFake(outDir) {
  const ts = createRequire(import.meta.url)('typescript');
  const pending = [FAKE];
  const done = new Set();
  while (pending.length && done.size < 200) {
    const file = pending.pop();
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
    for (const [, spec] of js.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      const dependency = join(dirname(file), `${spec}.ts`);
      if (existsSync(dependency)) pending.push(dependency);
    }
  }
  // Packages resolve as they would from the project root.
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  if (!existsSync(join(outDir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return join(outDir, relative(ROOT, FAKE)).replace(/\.ts$/, '.js');
}
