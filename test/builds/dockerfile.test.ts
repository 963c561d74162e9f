import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../src/adapters/inbound/http/openapi.document.js';
import { ENV_CODECS } from '../../src/infrastructure/config.js';
import { parseDockerfile, type Stage } from './dockerfile.js';
import { ROOT, container, containerEnv, decoded, read, variants } from './manifests.js';

const DOCKERFILE = join(ROOT, 'builds/dockerfiles/Dockerfile.order-processing');
const { stages } = parseDockerfile(DOCKERFILE);
const runtime = stages.at(-1)!;
const stage = (name: string) => stages.find((s) => s.name === name)!;
const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const only = (s: Stage, keyword: string) => {
  const found = s.instructions.filter((i) => i.keyword === keyword);
  expect([keyword, found.length]).toEqual([keyword, 1]);
  return found[0]!;
};

/** .dockerignore as BuildKit reads it: the last pattern matching the path, or any of its parents, decides. */
function inContext(path: string): boolean {
  const patterns = read(join(ROOT, '.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = pattern.replace(/^!/, '').replace(/^\/|\/$/g, '');
    const regex = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]').replace(/\0/g, '.*')}$`);
    if (prefixes.some((prefix) => regex.test(prefix))) included = negated;
  }
  return included;
}

describe('Dockerfile.order-processing', () => {
  it('builds in stages from the current LTS, Node 24 on Debian bookworm, slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
    for (const s of stages) expect(s.from).toMatch(/^node:24(\.\d+\.\d+)?-bookworm-slim$/);
    expect([stage('build').from, runtime.from]).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  });

  it('compiles better-sqlite3 from source against Node 24 headers older than 24.19 (nodejs/node#65446)', () => {
    const [, minor = '', patch = ''] = /^node:24\.(\d+)\.(\d+)-/.exec(stage('deps').from) ?? [];
    expect(Number(minor) * 1000 + Number(patch)).toBeLessThan(19 * 1000);
    expect(stage('deps').env()).toMatchObject({ npm_config_nodedir: '/usr/local', npm_config_build_from_source: 'better-sqlite3' });
  });

  it('installs production dependencies with a toolchain for better-sqlite3, and compiles with the dev ones', () => {
    expect(runs(stage('deps')).find((r) => r.startsWith('apt-get'))).toMatch(/install .*python3 make g\+\+/);
    expect(runs(stage('deps'))).toContainEqual(expect.stringMatching(/^npm ci --omit=dev\b/));
    expect(runs(stage('build'))).toEqual([expect.stringMatching(/^npm ci --ignore-scripts\b/), 'npm run build']);
    expect(JSON.parse(read(join(ROOT, 'package.json'))).scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('ships only the compiled output, production node_modules and package.json, with no toolchain', () => {
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => `${i.flags.from ?? '.'} ${i.args}`);
    expect(copies).toEqual(['. package.json ./', 'deps /app/node_modules ./node_modules', 'build /app/dist ./dist']);
    expect(runs(runtime).join(' ')).not.toMatch(/apt-get|npm|g\+\+/);
  });

  it('runs as uid 1000 and exposes the port the service and the Deployment use', () => {
    expect(only(runtime, 'USER').args).toMatch(/^(1000|node)(:1000)?$/);
    const port = Number(only(runtime, 'EXPOSE').args);
    expect(port).toBe(decoded({}).port);
    expect(container(variants.base!).ports[0].containerPort).toBe(port);
  });

  it('keeps its data in a volume at DATA_DIR, the path the Deployment mounts', () => {
    const dataDir = runtime.env().DATA_DIR!;
    expect(JSON.parse(only(runtime, 'VOLUME').args)).toEqual([dataDir]);
    expect(decoded(containerEnv(variants.base!)).dataDir).toBe(dataDir);
    expect(runs(runtime)).toContainEqual(`mkdir -p ${dataDir} && chown 1000:1000 ${dataDir}`);
  });

  it('sets no variable the service does not read, but NODE_ENV and the allocator\'s mmap threshold', () => {
    expect(Object.keys(runtime.env()).filter((name) => !(name in ENV_CODECS) && name !== 'NODE_ENV')).toEqual(['MALLOC_MMAP_THRESHOLD_']);
    expect(runtime.env().MALLOC_MMAP_THRESHOLD_).toBe(String(128 * 1024));
  });

  it('starts node itself in exec form (SIGTERM reaches it) on the entry point the build emits', () => {
    const cmd = only(runtime, 'CMD').exec!;
    expect(cmd[0]).toBe('node');
    const entry = cmd.at(-1)!;
    expect(entry).toBe('dist/infrastructure/main.js');
    const build = JSON.parse(read(join(ROOT, 'tsconfig.build.json'))).compilerOptions;
    expect([build.rootDir, build.outDir]).toEqual(['src', 'dist']);
    expect(existsSync(join(ROOT, entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    expect(JSON.parse(read(join(ROOT, 'package.json'))).main).toBe(entry);
  });

  it('checks its health on a route the service serves', () => {
    const path = /127\.0\.0\.1:'\+.*\+'(\/[\w/]+)'/.exec(only(runtime, 'HEALTHCHECK').args)?.[1];
    expect(Object.keys(openApiDocument.paths)).toContain(path);
  });
});

describe('.dockerignore', () => {
  it('sends every file the Dockerfile copies from the context', () => {
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(new Set(sources)).toEqual(new Set(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']));
    for (const source of sources) expect([source, existsSync(join(ROOT, source)), inContext(source)]).toEqual([source, true, true]);
    expect(inContext('src/infrastructure/main.ts')).toBe(true);
  });

  it.each(['node_modules/koa/package.json', 'dist/infrastructure/main.js', 'data/orders.sqlite3', '.git/HEAD', 'test/http/x.test.ts',
    'coverage/lcov.info', 'builds/dockerfiles/Dockerfile.order-processing', 'README.md', '.env'])('keeps %s out', (path) => {
    expect(inContext(path)).toBe(false);
  });
});
