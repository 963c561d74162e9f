// The service as it was at BENCH_BEFORE_REF (default 115d990), for the storage-service@before target: a git
// worktree of that commit in the bench's work folder, node_modules linked from this checkout, compiled with
// tsconfig.build.json, the demo catalog copied beside it, as `npm run build` does. BENCH_BEFORE_REF=none skips it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BEFORE_REF = process.env.BENCH_BEFORE_REF?.trim() || '115d990';

function run(command, args, cwd) {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${(out.stderr || out.stdout || String(out.error)).slice(-600)}`);
  return out.stdout;
}

/** Builds the before commit once per run; resolves to its dist/infrastructure/main.js. */
export function buildBefore({ work, log = () => {} }) {
  return buildRef({ work, ref: BEFORE_REF, log });
}

const builds = new Map();
const dirOf = (work, ref) => join(work, ref === BEFORE_REF ? 'before' : `before-${ref.replace(/[^A-Za-z0-9._-]/g, '_')}`);

/** Builds any commit once per run the same way (BENCH_EVENTS_REF uses it too); resolves to its main.js. */
export function buildRef({ work, ref, log = () => {} }) {
  if (!builds.has(ref)) builds.set(ref, (async () => {
    const dir = dirOf(work, ref);
    const started = Date.now();
    run('git', ['worktree', 'add', '--detach', '--force', dir, ref], ROOT);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')], dir);
    copyFileSync(join(dir, 'src/infrastructure/demo-catalog.json'), join(dir, 'dist/infrastructure/demo-catalog.json'));
    const commit = run('git', ['rev-parse', '--short', 'HEAD'], dir).trim();
    log(`built ${ref} (${commit}) in ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return join(dir, 'dist/infrastructure/main.js');
  })());
  return builds.get(ref);
}

/** Unregisters and deletes the worktrees made in this work folder. */
export function removeBefore(work) {
  for (const ref of new Set([BEFORE_REF, ...builds.keys()])) {
    const dir = dirOf(work, ref);
    if (existsSync(dir)) spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
  }
}
