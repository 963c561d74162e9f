// The service as it was at BENCH_BEFORE_REF (default 115d990), for the storage-service@before target: a git
// worktree of that commit in the bench's work folder, node_modules linked from this checkout, compiled with
// tsconfig.build.json, the demo catalog copied beside it, as `npm run build` does. BENCH_BEFORE_REF=none skips it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BEFORE_REF = process.env.BENCH_BEFORE_REF?.trim() || '115d990';
let building;

function run(command, args, cwd) {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${(out.stderr || out.stdout || String(out.error)).slice(-600)}`);
  return out.stdout;
}

/** Builds the before commit once per run; resolves to its dist/infrastructure/main.js. */
export function buildBefore({ work, log = () => {} }) {
  building ??= (async () => {
    const dir = join(work, 'before');
    const started = Date.now();
    run('git', ['worktree', 'add', '--detach', '--force', dir, BEFORE_REF], ROOT);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')], dir);
    copyFileSync(join(dir, 'src/infrastructure/demo-catalog.json'), join(dir, 'dist/infrastructure/demo-catalog.json'));
    const commit = run('git', ['rev-parse', '--short', 'HEAD'], dir).trim();
    log(`built ${BEFORE_REF} (${commit}) in ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return join(dir, 'dist/infrastructure/main.js');
  })();
  return building;
}

/** Unregisters and deletes the worktree, if one was made in this work folder. */
export function removeBefore(work) {
  const dir = join(work, 'before');
  if (!existsSync(dir)) return;
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
}
