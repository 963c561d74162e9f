// Child processes of the benchmark: servers it starts and stops by their own pid, their memory, and load runs.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const LOAD_SCRIPT = fileURLToPath(new URL('./load.mjs', import.meta.url));

export const freePort = () => new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Whatever this process started dies with it, however it ends (Ctrl-C included): nothing is left listening.
const children = new Set();
process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const track = (child) => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};

/**
 * Starts `node <args>`, its output's tail written to logFile when it exits, and waits until `readyPath` on the port answers 2xx (or
 * anything at all, with readyOnAnyAnswer).
 * Returns { pid, url, stop, memory } where memory() reads VmRSS and VmHWM in KiB from /proc.
 */
export async function startServer({ name, args, env = {}, port, portFromOutput, logFile, readyPath = '/health/ready',
  readyOnAnyAnswer = false, readyTimeoutMs = 30_000 }) {
  // Output goes through a pipe, as a container runtime takes it (a file on the benchmark's own disk would make the
  // service's synchronous log writes queue behind its database flushes); only the last 256 KiB are kept.
  const child = track(spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  // The chunks themselves are kept, and the oldest dropped: joining them on every chunk copied 256 KiB each time,
  // CPU taken from the service under test on the same cores.
  const chunks = [];
  let kept = 0;
  const keep = (chunk) => {
    chunks.push(chunk);
    kept += chunk.length;
    while (kept - chunks[0].length >= 256 * 1024) kept -= chunks.shift().length;
  };
  const tailOf = () => chunks.join('').slice(-256 * 1024);
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exited;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    writeFileSync(logFile, tailOf());
    resolve((exited = { code, signal }));
  }));
  const deadline = Date.now() + readyTimeoutMs;
  // A server that picks its own port says which on its output.
  while (port === undefined && !exited && Date.now() < deadline) {
    const found = portFromOutput.exec(tailOf());
    if (found) port = Number(found[1]);
    else await sleep(50);
  }
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start (${JSON.stringify(exited)}): ${tailOf().slice(-400)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms: ${tailOf().slice(-400)}`);
    }
    try {
      const answer = await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      if (answer.ok || readyOnAnyAnswer) break;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  const stop = async (signal = 'SIGTERM') => {
    if (exited) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };
  return { name, pid: child.pid, port, url, stop, memory: () => memoryOf(child.pid), exited: () => exited };
}

export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return { rssKiB: NaN, hwmKiB: NaN };
  }
}

/** Samples a process's resident set every `everyMs` until stopped; returns the largest value seen, in KiB. */
export function sampleRss(pid, everyMs = 100) {
  let peak = memoryOf(pid).rssKiB || 0;
  const timer = setInterval(() => {
    const { rssKiB } = memoryOf(pid);
    if (rssKiB > peak) peak = rssKiB;
  }, everyMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** Runs one load spec in a child process (see load.mjs) and returns its result. */
export function runLoad(spec) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [LOAD_SCRIPT, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const limit = setTimeout(() => child.kill('SIGKILL'), ((spec.warmupS ?? 0) + spec.durationS + 60) * 1000);
    child.once('exit', (code) => {
      clearTimeout(limit);
      const line = stdout.trim().split('\n').pop();
      if (code !== 0 || !line) return reject(new Error(`load run failed (${code}): ${stderr.slice(-2000)}`));
      resolve(JSON.parse(line));
    });
  });
}
