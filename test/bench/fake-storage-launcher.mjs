// Runs the loopback fake storage service (test/fakes/fake-storage-service.ts) as its own process for the
// storage-service backend. The fake is TypeScript; it is transpiled here with the project's own compiler into the
// bench's work folder, so the bench needs no TS loader.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './processes.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FAKE = join(ROOT, 'test/fakes/fake-storage-service.ts');

export async function startFakeStorage({ work, seedFile }) {
  const fakeModule = transpileFake(join(work, 'fake-storage'));
  const runner = join(work, 'fake-storage', 'run-fake.mjs');
  writeFileSync(runner, RUNNER.replace('FAKE_MODULE', JSON.stringify(pathToFileURL(fakeModule).href)));
  const server = await startServer({
    name: 'fake-storage', args: [runner, seedFile], logFile: join(work, 'fake-storage.log'),
    portFromOutput: /listening (\d+)/, readyPath: '/health/ready',
  });
  return { server, url: server.url, port: server.port, close: () => server.stop() };
}

// The fake is a class made for tests; this runs it as a process, stocked with the bench catalog. It forgets what
// it received every second: the tests read that log, the bench does not, and it would only grow.
const RUNNER = `
import { readFileSync } from 'node:fs';
const { FakeStorageService } = await import(FAKE_MODULE);
const fake = await FakeStorageService.start();
for (const book of JSON.parse(readFileSync(process.argv[2], 'utf8'))) fake.addBook(book);
setInterval(() => fake.received.splice(0), 1000).unref();
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
