import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/infrastructure/main.js');

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Everything it wrote to stderr and stdout so far. */
  output(): string;
}

/** Starts the compiled service as its own process on an ephemeral port and waits until it listens. */
export async function spawnService(env: Record<string, string>, timeoutMs = 15_000, entry = MAIN): Promise<ServiceProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? -1)));
  const port = await new Promise<number>((found, failed) => {
    const timer = setTimeout(() => failed(new Error(`service did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /"port":(\d+),[^\n]*"msg":"order service listening"/.exec(output);
      if (listening) {
        clearTimeout(timer);
        found(Number(listening[1]));
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then((code) => {
      clearTimeout(timer);
      failed(new Error(`service exited (${code}) before listening:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child, exited, output: () => output };
}
