// Turns measured rows into the printed tables, the target verdicts and the results JSON.
import { isYardstick } from './targets.mjs';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** A GitHub-flavoured markdown table, which also reads well in a terminal. */
export function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function resultsTable(runs) {
  return markdownTable(['backend', 'operation', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MiB', '× baseline'],
    runs.map((r) => [r.target, r.op, r.connections, fixed(r.rps, 0), fixed(r.p50Ms, 2), fixed(r.p99Ms, 2),
      r.non2xx + r.socketErrors, fixed(r.peakRssMiB, 0), fixed(r.ratio, 2)]));
}

export function growthTable(growth) {
  const sizes = [...new Set(growth.map((r) => r.storedOrders))].sort((a, b) => a - b);
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const ops = [...new Set(growth.map((r) => r.op))];
  return markdownTable(['operation', `req/s @${small.toLocaleString('en')}`, `req/s @${large.toLocaleString('en')}`,
    `p99 ms @${small.toLocaleString('en')}`, `p99 ms @${large.toLocaleString('en')}`, 'large ÷ small', 'errors', 'peak RSS MiB'],
  ops.map((op) => {
    const a = growth.find((r) => r.op === op && r.storedOrders === small);
    const b = growth.find((r) => r.op === op && r.storedOrders === large);
    return [op, fixed(a.rps, 0), fixed(b.rps, 0), fixed(a.p99Ms, 2), fixed(b.p99Ms, 2), fixed(b.rps / a.rps, 2),
      a.non2xx + a.socketErrors + b.non2xx + b.socketErrors, fixed(Math.max(a.peakRssMiB, b.peakRssMiB), 0)];
  }));
}

/** Every target of issue 7 that this run can judge, with the number behind each verdict. */
export function judgeTargets({ runs, growth, storage, connections }) {
  const find = (target, op) => runs.find((r) => r.target === target && r.op === op && r.connections === connections);
  const verdicts = [];
  const check = (name, pass, measured) => verdicts.push({ target: name, met: pass, measured });
  // The framework alone (Koa, router, body parser, nothing else) reaches this much of the baseline: no route can do better.
  const floor = (op) => {
    const koa = find('koa-floor', op);
    return koa ? `; the Koa floor reaches ${fixed(koa.ratio, 2)} ×` : '';
  };
  const create = find('embedded', 'create');
  if (create) {
    check('create on embedded ≥ 0.5 × baseline req/s', create.ratio >= 0.5, `${fixed(create.ratio, 2)} × (${fixed(create.rps, 0)} req/s)${floor('create')}`);
    check('create on embedded p99 ≤ 25 ms', create.p99Ms <= 25, `${fixed(create.p99Ms, 2)} ms`);
    check('create on embedded: zero errors', create.non2xx + create.socketErrors === 0, `${create.non2xx + create.socketErrors} errors`);
  }
  const get = find('embedded', 'get');
  if (get) check('get by id on embedded ≥ 0.7 × baseline req/s', get.ratio >= 0.7, `${fixed(get.ratio, 2)} × (${fixed(get.rps, 0)} req/s)${floor('get')}`);
  if (growth?.length) {
    const sizes = [...new Set(growth.map((r) => r.storedOrders))].sort((a, b) => a - b);
    for (const op of ['create', 'get', 'list']) {
      const a = growth.find((r) => r.op === op && r.storedOrders === sizes[0]);
      const b = growth.find((r) => r.op === op && r.storedOrders === sizes[sizes.length - 1]);
      if (a && b) {
        check(`${op} with ${sizes[sizes.length - 1].toLocaleString('en')} orders within 10% of ${sizes[0].toLocaleString('en')}`,
          b.rps >= 0.9 * a.rps, `${fixed(b.rps / a.rps, 2)} (${fixed(a.rps, 0)} → ${fixed(b.rps, 0)} req/s)`);
      }
    }
  }
  const services = runs.filter((r) => !isYardstick(r.target));
  const byBackend = new Map();
  for (const r of services) byBackend.set(r.target, Math.max(byBackend.get(r.target) ?? 0, r.peakRssMiB));
  for (const r of growth ?? []) byBackend.set(`embedded @${r.storedOrders}`, Math.max(byBackend.get(`embedded @${r.storedOrders}`) ?? 0, r.peakRssMiB));
  for (const [backend, peak] of byBackend) check(`peak RSS under load < 128 MiB: ${backend}`, peak < 128, `${fixed(peak, 0)} MiB`);
  if (storage) {
    check('storage-service adds < 1 ms at p50 over the fake\'s own time', storage.addedP50Ms < 1,
      `${fixed(storage.addedP50Ms, 2)} ms (service ${fixed(storage.serviceP50Ms, 2)} − fake ${fixed(storage.fakeP50Ms, 2)}, ${storage.basis})`);
    check('storage-service reuses connections', storage.connectionsReused, storage.connectionsNote);
  }
  return verdicts;
}

export function verdictLines(verdicts) {
  return verdicts.map((v) => `${v.met ? 'MET    ' : 'NOT MET'}  ${v.target}: ${v.measured}`).join('\n');
}
