import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LOGGER = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/infrastructure/logger.js');

/**
 * A process whose stdout nobody reads: it logs 40 MiB of lines, reports on stderr how much its heap holds once
 * the garbage is collected, then waits for stdout to drain and exits. The parent reads nothing until that report
 * has come.
 */
const script = `
const { createLogger, flushLogger } = await import(${JSON.stringify(LOGGER)});
const log = createLogger('info');
const padding = 'x'.repeat(180);
for (let i = 0; i < 200000; i++) log.info({ i, padding }, 'line');
await new Promise((r) => setTimeout(r, 50));
globalThis.gc();
process.stderr.write('heap ' + process.memoryUsage().heapUsed + '\\n');
await new Promise((r) => process.stdin.once('data', r));
await new Promise((r) => setTimeout(r, 1500)); // the next periodic flush reports the drops
flushLogger(log);
process.exit(0);
`;

describe('logging when stdout does not drain', () => {
  it('drops lines past its buffer instead of growing, and says how many it dropped', async () => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.pause();
    const heapUsed = await new Promise<number>((resolvePromise, reject) => {
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
        const found = /heap (\d+)/.exec(err);
        if (found) resolvePromise(Number(found[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before reporting: ${err}`)));
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stdout.resume();
    child.stdin.write('go\n');
    await new Promise((resolvePromise) => child.once('exit', resolvePromise));

    expect(heapUsed).toBeLessThan(24 * 1024 * 1024); // 40 MiB were logged; at most 8 MiB are kept
    const warning = out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; droppedLines?: number })
      .find((line) => line.msg.startsWith('log lines dropped'));
    expect(warning?.droppedLines).toBeGreaterThan(100_000);
  }, 30_000);
});
