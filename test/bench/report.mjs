// Turns measured rows into the printed tables, the target verdicts and the results JSON.
import { byRounds } from './rounds.mjs';
import { isYardstick } from './targets.mjs';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** A GitHub-flavoured markdown table, which also reads well in a terminal. */
export function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function resultsTable(runs) {
  return markdownTable(['backend', 'operation', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MiB', '× baseline', '× Koa floor'],
    runs.map((r) => [r.target, r.op, r.connections, fixed(r.rps, 0), fixed(r.p50Ms, 2), fixed(r.p99Ms, 2),
      r.non2xx + r.socketErrors, fixed(r.peakRssMiB, 0), fixed(r.ratio, 2), fixed(r.koaRatio, 2)]));
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

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–');
const VERDICT = { true: 'MET', false: 'NOT MET', null: 'not measured', undefined: 'info' }; // undefined: a figure without a target

/**
 * Every target of the issue, in groups, each { group, target, required, measured, met: true | false | null };
 * null is "not measured", with the reason in `measured`. Ratios are to yardsticks of this same run, at
 * `connections` connections; call counts are absolute.
 */
export function judgeTargets({ runs, growth, storageCalls, pgbench, connections, skipped = [] }) {
  const find = (target, op, conns = connections) => runs.find((r) => r.target === target && r.op === op && r.connections === conns);
  const why = (...names) => skipped.find((s) => names.some((n) => s.name === n || s.name.startsWith(`${n} `)))?.note ?? 'not in this run';
  const verdicts = [];
  const add = (group, target, required, met, measured) => verdicts.push({ group, target, required, met, measured });
  const notMeasured = (group, target, required, ...names) => add(group, target, required, null, `not measured: ${why(...names)}`);
  const errorsOf = (r) => r.non2xx + r.socketErrors;

  // Throughput of `target` over the Koa floor's for the same operation.
  const overFloor = (group, target, op, least) => {
    const label = `${op} req/s ÷ Koa floor ${op}`;
    const [r, koa] = [find(target, op), find('koa-floor', op)];
    if (!r || !koa) return notMeasured(group, label, `≥ ${least}`, r ? 'koa-floor' : target);
    // The median of the ratios within one round (the two runs a minute apart at most), with the ratio of the medians.
    const { value: ratio, each } = byRounds(r, koa, (a, b) => a.rps / b.rps);
    add(group, label, `≥ ${least}`, ratio >= least, `${fixed(ratio, 2)} (${roundsText(each)}ratio of medians `
      + `${fixed(r.rps / koa.rps, 2)}: ${int(r.rps)} ÷ ${int(koa.rps)} req/s)`);
  };
  const roundsText = (each) => (each.length > 1 ? `rounds ${each.map((v) => fixed(v, 2)).join(', ')}; ` : '');

  overFloor('embedded', 'embedded', 'create', 0.6);
  overFloor('embedded', 'embedded', 'get', 0.75);
  const embeddedRuns = runs.filter((r) => r.target === 'embedded');
  if (embeddedRuns.length) {
    const errors = embeddedRuns.reduce((n, r) => n + errorsOf(r), 0);
    add('embedded', 'errors (create, get, list at every connection count)', '0', errors === 0,
      `${errors} in ${int(embeddedRuns.reduce((n, r) => n + r.requests, 0))} requests`);
  } else notMeasured('embedded', 'errors (create, get, list at every connection count)', '0', 'embedded');
  for (const op of ['create', 'get', 'list']) {
    const r = find('embedded', op);
    if (!r) notMeasured('embedded', `${op} p99 ÷ p50`, '≤ 5', 'embedded');
    else {
      const { value: spread, each } = byRounds(r, r, (a) => a.p99Ms / a.p50Ms);
      add('embedded', `${op} p99 ÷ p50`, '≤ 5', spread <= 5, `${fixed(spread, 2)} (${roundsText(each)}`
        + `medians ${fixed(r.p99Ms, 2)} ÷ ${fixed(r.p50Ms, 2)} ms)`);
    }
  }

  const pgCreate = find('postgres', 'create');
  if (!pgCreate) notMeasured('postgres', 'create req/s ÷ best pgbench tps', '≥ 1.0', 'postgres');
  else if (!pgbench?.runs?.length) notMeasured('postgres', 'create req/s ÷ best pgbench tps', '≥ 1.0', 'pgbench yardstick');
  else {
    const each = pgbench.runs.map((r) => `-c ${r.clients}: ${int(r.tps)}`).join(', ');
    add('postgres', 'create req/s ÷ best pgbench tps', '≥ 1.0', pgCreate.rps >= pgbench.bestTps,
      `${fixed(pgCreate.rps / pgbench.bestTps, 2)} (${int(pgCreate.rps)} req/s ÷ ${int(pgbench.bestTps)} tps; pgbench ${each} tps)`);
  }
  overFloor('postgres', 'postgres', 'get', 0.4);

  const calls = storageCalls?.['storage-service'];
  const before = storageCalls?.['storage-service@before'];
  const callsText = (c) => `${fixed(c.callsPerOrder, 2)} calls, ${fixed(c.writesPerOrder, 2)} writes per order (${int(c.orders)} orders)`;
  if (!calls || !(calls.orders > 0)) notMeasured('storage-service', 'storage calls per order (create load, STORAGE_MAX_CONCURRENCY=1)', '≤ 4', 'storage-service');
  else {
    add('storage-service', 'storage calls per order (create load, STORAGE_MAX_CONCURRENCY=1)', '≤ 4', calls.callsPerOrder <= 4,
      `${callsText(calls)}${before?.orders > 0 ? `; before: ${callsText(before)}` : ''}`);
  }
  const [ssCreate, beforeCreate] = [find('storage-service', 'create'), find('storage-service@before', 'create')];
  if (!ssCreate || !beforeCreate) {
    notMeasured('storage-service', 'create req/s ÷ storage-service@before create', '≥ 3', ssCreate ? 'storage-service@before' : 'storage-service');
  } else if (!(beforeCreate.rps > 0)) {
    add('storage-service', 'create req/s ÷ storage-service@before create', '≥ 3', null,
      'not measured: storage-service@before completed no create in the measured window (raise BENCH_DURATION_S)');
  } else {
    const { value: ratio, each } = byRounds(ssCreate, beforeCreate, (a, b) => a.rps / b.rps);
    add('storage-service', 'create req/s ÷ storage-service@before create', '≥ 3', ratio >= 3,
      `${fixed(ratio, 2)} (${roundsText(each)}ratio of medians ${fixed(ssCreate.rps / beforeCreate.rps, 2)}: `
      + `${int(ssCreate.rps)} ÷ ${int(beforeCreate.rps)} req/s)`);
  }

  const sizes = [...new Set((growth ?? []).map((r) => r.storedOrders))].sort((a, b) => a - b);
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  for (const op of ['create', 'get', 'list']) {
    const label = `${op} req/s with ${int(large ?? 1e6)} orders ÷ with ${int(small ?? 1e3)}`;
    const a = growth?.find((r) => r.op === op && r.storedOrders === small);
    const b = growth?.find((r) => r.op === op && r.storedOrders === large);
    if (!a || !b || small === large) add('1 M orders stored', label, '≥ 0.9', null, 'not measured: growth run not run');
    else add('1 M orders stored', label, '≥ 0.9', b.rps >= 0.9 * a.rps, `${fixed(b.rps / a.rps, 2)} (${int(a.rps)} → ${int(b.rps)} req/s)`);
  }

  for (const backend of ['embedded', 'postgres', 'storage-service']) {
    const mine = runs.filter((r) => r.target === backend);
    const peak = Math.max(...mine.map((r) => r.peakRssMiB));
    if (!mine.length) notMeasured('peak RSS', `${backend} peak RSS under load`, '< 128 MiB', backend);
    else add('peak RSS', `${backend} peak RSS under load`, '< 128 MiB', peak < 128, `${fixed(peak, 0)} MiB`);
  }
  for (const size of sizes) {
    const peak = Math.max(...growth.filter((r) => r.storedOrders === size).map((r) => r.peakRssMiB));
    add('peak RSS', `embedded holding ${int(size)} orders (growth run) peak RSS under load`, '< 128 MiB', peak < 128, `${fixed(peak, 0)} MiB`);
  }
  return verdicts;
}

/** One table per group of targets, and a count of the verdicts. */
export function verdictTables(verdicts) {
  const groups = [...new Set(verdicts.map((v) => v.group))];
  const parts = groups.map((group) => `${group}\n${markdownTable(['target', 'required', 'measured', 'verdict'],
    verdicts.filter((v) => v.group === group).map((v) => [v.target, v.required, v.measured, VERDICT[v.met]]))}`);
  const count = (met) => verdicts.filter((v) => v.met === met).length;
  parts.push(`${count(true)} MET, ${count(false)} NOT MET, ${count(null)} not measured`);
  return parts.join('\n\n');
}
