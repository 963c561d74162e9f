// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and self time by
// module (a package under node_modules, node's own internals, or a file of the service).
//   node test/bench/profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

export function summariseProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map();
  const modules = new Map();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = shortUrl(url);
    const fn = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
    const mod = moduleOf(url, functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + micros);
  }
  const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, micros]) => ({ name, selfMs: Math.round(micros / 1000), share: micros / total }));
  return { totalMs: Math.round(total / 1000), functions: rank(functions), modules: rank(modules) };
}

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function moduleOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return shortUrl(url);
}

const pct = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;

export function formatSummary(summary) {
  const lines = [`total sampled: ${summary.totalMs} ms`, '', 'top self time by function:'];
  for (const f of summary.functions) lines.push(`  ${pct(f.share)} ${String(f.selfMs).padStart(6)} ms  ${f.name}`);
  lines.push('', 'self time by module:');
  for (const m of summary.modules) lines.push(`  ${pct(m.share)} ${String(m.selfMs).padStart(6)} ms  ${m.name}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node test/bench/profile-summary.mjs <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 25));
  process.stdout.write(`${formatSummary(summary)}\n`);
}
