import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { tempDir } from '../support/temp-dir.js';
import { parseDockerfile, type Stage } from './dockerfile.js';
import { ROOT } from './manifests.js';

/**
 * Does what `docker build` and `docker run` would, without a Docker engine: each stage's COPY and RUN in a
 * directory of its own, the runtime stage's files started by its CMD as uid 1000, with the root filesystem and
 * the code read-only and only the data volume and /tmp writable, as deployment.yaml runs it. Takes a minute or
 * two (better-sqlite3 compiles); SKIP_IMAGE_REBUILD_TEST=1 skips it.
 */
const { stages } = parseDockerfile(join(ROOT, 'builds/dockerfiles/Dockerfile.order-processing'));
const runtime = stages.at(-1)!;
const UID = Number(runtime.instructions.find((i) => i.keyword === 'USER')!.args.split(':')[0]!.replace('node', '1000'));
const work = tempDir('image-');
chmodSync(work.path, 0o755);
const root = (stage: string) => join(work.path, stage);
/** Paths inside a stage's filesystem live under that stage's directory. */
const inStage = (stage: string, command: string) => command.replace(/(^|\s)(\/[\w./-]+)/g, (_, space, path) => space + root(stage) + path);
/** The node image keeps its headers in /usr/local; here npm's own configuration says where this node's are. */
const IMAGE_ONLY_ENV = new Set(['npm_config_nodedir']);

function buildStage(stage: Stage): string {
  let workdir = root(stage.name);
  mkdirSync(workdir, { recursive: true });
  const env = Object.fromEntries(Object.entries(stage.env()).filter(([name]) => !IMAGE_ONLY_ENV.has(name)));
  for (const { keyword, args, flags } of stage.instructions) {
    if (keyword === 'WORKDIR') mkdirSync((workdir = join(root(stage.name), args)), { recursive: true });
    if (keyword === 'COPY') {
      const parts = args.split(/\s+/);
      const target = join(workdir, parts.at(-1)!);
      for (const source of parts.slice(0, -1)) {
        const from = flags.from ? join(root(flags.from), source) : join(ROOT, source);
        cpSync(from, parts.at(-1)!.endsWith('/') ? join(target, basename(source)) : target, { recursive: true });
      }
    }
    if (keyword !== 'RUN') continue;
    if (args.startsWith('apt-get')) {
      // The packages the image installs must be on this machine for the RUN lines that need them.
      const tools = /install .*?((?:\s[\w+.-]+)+)\s*&&/.exec(args)![1]!.trim().split(/\s+/).filter((p) => !p.startsWith('-'));
      for (const tool of tools) execFileSync('sh', ['-c', `command -v ${tool}`]);
    } else if (args.startsWith('npm ci --ignore-scripts')) {
      // The compile stage's dev tree is the lockfile's, already installed in the repository; saves a minute.
      symlinkSync(join(ROOT, 'node_modules'), join(workdir, 'node_modules'));
    } else {
      try {
        execSync(inStage(stage.name, args), { cwd: workdir, env: { ...process.env, ...env }, stdio: 'pipe', shell: '/bin/sh' });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '').split('\n').filter((l) => !/nodedir/.test(l));
        throw new Error(`stage ${stage.name}, RUN ${args}\n${stderr.slice(0, 12).join('\n')}`);
      }
    }
  }
  return workdir;
}

const freePort = () => new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

/** Mount namespace: / and the code read-only, the temp dir (our /tmp, with the data volume in it) writable. */
const SANDBOX = 'mount --bind "$2" "$2" && mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && mount -o remount,ro,bind / '
  + '&& cd "$1" && shift 2 && exec setpriv --reuid=$RUN_AS --regid=$RUN_AS --clear-groups "$@"';

(process.env.SKIP_IMAGE_REBUILD_TEST === '1' ? describe.skip : describe)('the image, rebuilt without Docker', () => {
  let app = '';
  let data = '';
  let port = 0;
  let service: ChildProcess;
  const output: string[] = [];
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  beforeAll(async () => {
    for (const stage of stages) app = buildStage(stage);
    data = join(root(runtime.name), runtime.env().DATA_DIR!);
    port = await freePort();
    const [binary, ...args] = runtime.instructions.find((i) => i.keyword === 'CMD')!.exec!;
    const env = { PATH: process.env.PATH!, RUN_AS: String(UID), ...runtime.env(), DATA_DIR: data, PORT: String(port), HOST: '127.0.0.1' };
    service = spawn('unshare', ['--mount', '--', 'sh', '-c', SANDBOX, 'sh', app, tmpdir(), binary === 'node' ? process.execPath : binary!, ...args],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (chunk) => output.push(String(chunk)));
    service.stderr!.on('data', (chunk) => output.push(String(chunk)));
    for (let waited = 0; waited < 30_000 && service.exitCode === null; waited += 200) {
      if (await fetch(url('/health/ready')).then((r) => r.status === 200, () => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the service did not become ready:\n${output.join('').slice(-3000)}`);
  }, 600_000);

  afterAll(() => {
    if (service?.exitCode === null) service.kill('SIGKILL');
    work.remove();
  });

  it('installed the production dependencies, none of the dev ones, and only the addon of better-sqlite3', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const installed = new Set(readdirSync(join(app, 'node_modules')).flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(app, 'node_modules', name)).map((scoped) => `${name}/${scoped}`) : [name]));
    expect(Object.keys(manifest.dependencies).filter((name) => !installed.has(name))).toEqual([]);
    expect(Object.keys(manifest.devDependencies).filter((name) => installed.has(name))).toEqual([]);
    expect(readdirSync(join(app, 'node_modules/better-sqlite3/build/Release'))).toEqual(['better_sqlite3.node']);
  });

  it('built better-sqlite3 without the destructor hook that aborts on Node 24.19+ (nodejs/node#65446)', () => {
    const addon = join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const imports = execFileSync('nm', ['-D', '--undefined-only', '--demangle', addon], { encoding: 'utf8' });
    expect(imports).toContain('node::AddEnvironmentCleanupHook');
    expect(imports).not.toContain('node::RemoveEnvironmentCleanupHook');
  });

  it('answers its probes while running as uid 1000', async () => {
    const uids = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))![1]!.split(/\s+/).map(Number);
    expect(uids).toEqual([UID, UID, UID, UID]);
    for (const path of ['/health/startup', '/health/live', '/health/ready']) expect((await fetch(url(path))).status).toBe(200);
  });

  it('keeps orders in the embedded store on its data volume, owned by uid 1000', async () => {
    const placed = await fetch(url('/orders'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bookId: 'b1', userId: 'image', quantity: 1 }),
    });
    expect(placed.status).toBe(201);
    const files = readdirSync(data);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect([file, statSync(join(data, file)).uid]).toEqual([file, UID]);
    expect(existsSync(join(app, 'data'))).toBe(false);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    service.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 20_000);
});
