// The events and tracing run of `npm run bench` (BENCH_EVENTS=1; on by default in a full run, off in a quick one):
// create at 64 connections on the embedded store and on PostgreSQL, each with events off (the code of
// BENCH_EVENTS_REF, default c68e194, the commit before the outbox, built in a worktree as before-build.mjs does),
// with the outbox feed only, and with the relay publishing to NATS JetStream (BENCH_NATS_URL, default
// nats://127.0.0.1:4222; a stream and subject prefix of this run's own, deleted afterwards); plus embedded with
// tracing on (OTEL_EXPORTER_OTLP_ENDPOINT at a loopback sink started here that answers 200 to POST /v1/traces and
// discards the body). BENCH_EVENTS_ROUNDS (3; 1 when quick) rounds, each measuring every target once in a rotated
// order, so that noise hits both sides of each ratio alike; a ratio's verdict is the median of its rounds' ratios. Then the
// outbox-to-stream latency (event-latency.mjs) on every +nats target at BENCH_EVENTS_LATENCY_RATE orders/s (200),
// once during a create load at 64 connections (what issue 12 judges) and once on its own.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { buildRef } from './before-build.mjs';
import { measureEventLatency } from './event-latency.mjs';
import { runLoad, sampleRss } from './processes.mjs';
import { markdownTable } from './report.mjs';
import { median, rotated } from './rounds.mjs';
import { embeddedWith, postgresSupport, postgresWith } from './targets.mjs';

export const EVENTS_REF = process.env.BENCH_EVENTS_REF?.trim() || 'c68e194';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–');

/** A loopback OTLP/HTTP receiver that takes POST /v1/traces, discards the body and answers 200 `{}`. */
function startOtlpSink() {
  const counts = { requests: 0, bytes: 0, other: 0 };
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk) => { bytes += chunk.length; });
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        counts.requests += 1;
        counts.bytes += bytes;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        counts.other += 1;
        response.writeHead(404).end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, counts,
      close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }) }));
  });
}

async function natsSupport() {
  try {
    const nc = await connect({ servers: new URL(NATS_URL).host, timeout: 2000, reconnect: false });
    await jetstreamManager(nc).then((m) => m.getAccountInfo());
    await nc.close();
    return { ok: true };
  } catch (error) {
    return { ok: false, note: `NATS JetStream at ${NATS_URL} does not answer (${error.message})` };
  }
}

async function deleteStreams(names, log) {
  if (!names.length) return;
  const nc = await connect({ servers: new URL(NATS_URL).host, timeout: 2000 });
  try {
    const manager = await jetstreamManager(nc);
    for (const name of names) {
      await manager.streams.delete(name).then(() => log(`deleted stream ${name}`),
        (error) => log(`deleting stream ${name}: ${error.message}`));
    }
  } finally {
    await nc.close();
  }
}

/** The relay's metrics, read from the service's /metrics. */
async function relayMetrics(url) {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const value = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { waiting: value('events_outbox_waiting'), oldestAgeS: value('events_outbox_oldest_age_seconds'), published: value('events_published_total') };
  } catch {
    return {};
  }
}

/** The cumulative buckets of the service's events_outbox_delay_seconds: { le (seconds, Infinity) → count }. */
async function delayBuckets(url) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const buckets = new Map();
  for (const [, le, count] of text.matchAll(/^events_outbox_delay_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(count));
  }
  return buckets;
}

/**
 * Commit-to-acknowledgement of the events the relay published between two readings of the histogram: how many,
 * the share within 100 ms, and p50/p99 interpolated within their buckets (the last finite bound when beyond it).
 */
export function delayBetween(before, after) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = cumulative[cumulative.length - 1] ?? 0;
  const quantile = (q) => {
    const rank = q * total;
    for (let i = 0; i < bounds.length; i += 1) {
      if (cumulative[i] < rank) continue;
      const [lower, below] = i ? [bounds[i - 1], cumulative[i - 1]] : [0, 0];
      if (!Number.isFinite(bounds[i])) return lower * 1000;
      return (lower + (bounds[i] - lower) * ((rank - below) / Math.max(1, cumulative[i] - below))) * 1000;
    }
    return NaN;
  };
  const within100 = cumulative[bounds.indexOf(0.1)] ?? NaN;
  return { events: total, shareWithin100Ms: total ? within100 / total : NaN, p50: Math.round(quantile(0.5)), p99: Math.round(quantile(0.99)) };
}

/**
 * Runs the whole events and tracing comparison; returns { rows, rounds, latency, sink, verdicts, skipped, table }.
 * Verdicts have report.mjs's shape; met: undefined is a figure shown without a target ("info").
 */
export async function eventsRun({ work, seedFile, settings, books, users, log }) {
  const skipped = [];
  const runId = randomBytes(4).toString('hex');
  const streams = [];
  const natsEnv = (tag) => {
    const stream = `BENCH_EVENTS_${runId}_${tag}`.toUpperCase();
    streams.push(stream);
    return { EVENTS_NATS_URL: NATS_URL, EVENTS_NATS_STREAM: stream, EVENTS_NATS_SUBJECT_PREFIX: `bench${runId}.${tag}` };
  };
  const sink = await startOtlpSink();
  const [nats, postgres] = await Promise.all([natsSupport(), postgresSupport()]);
  let beforeMain;
  try {
    beforeMain = await buildRef({ work, ref: EVENTS_REF, log });
  } catch (error) {
    skipped.push({ name: `@${EVENTS_REF}`, note: `could not build ${EVENTS_REF}: ${error.message.slice(0, 300)}` });
  }
  const defs = [];
  for (const backend of ['embedded', 'postgres']) {
    if (backend === 'postgres' && !postgres.ok) {
      skipped.push({ name: 'postgres (events)', note: postgres.note });
      continue;
    }
    const open = backend === 'embedded' ? embeddedWith : postgresWith;
    if (beforeMain) defs.push({ name: `${backend}@${EVENTS_REF}`, backend, setting: 'events off', open: open({}, beforeMain) });
    defs.push({ name: backend, backend, setting: 'events feed only, tracing off', open: open() });
    if (nats.ok) {
      const env = natsEnv(backend);
      defs.push({ name: `${backend}+nats`, backend, setting: 'events feed + relay to NATS', nats: env, open: open(env) });
    } else skipped.push({ name: `${backend}+nats`, note: nats.note });
    if (backend === 'embedded') {
      defs.push({ name: 'embedded+tracing', backend, setting: 'feed only, tracing on (OTLP/HTTP to a loopback sink)',
        open: open({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }) });
    }
  }

  const opened = [];
  const rounds = [];
  const latency = [];
  try {
    for (const def of defs) {
      try {
        opened.push({ ...def, ...(await def.open({ name: `events-${def.name}`, work, seedFile, embeddedEnv: settings.embeddedEnv, log })) });
        log(`started ${def.name} (${def.setting})`);
      } catch (error) {
        skipped.push({ name: def.name, note: `could not start: ${error.message.slice(0, 300)}` });
        log(`skipping ${def.name}: ${error.message.slice(0, 300)}`);
      }
    }
    const measure = async (target) => {
      const stopSampling = sampleRss(target.server.pid);
      const result = await runLoad({ tool: settings.tool, url: target.server.url, op: 'create', connections: 64,
        durationS: settings.durationS, warmupS: settings.warmupS, users, books, listLimit: settings.listLimit });
      const row = { target: target.name, ...result, rps: result.requests / result.durationS, peakRssMiB: stopSampling() / 1024 };
      log(`${target.name.padEnd(20)} create @64 ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50Ms.toFixed(2)} ms  `
        + `p99 ${row.p99Ms.toFixed(2)} ms  errors ${row.non2xx + row.socketErrors}`);
      return row;
    };
    for (let round = 0; round < settings.eventsRounds; round += 1) {
      const order = rotated(opened, round);
      log(`events round ${round + 1} of ${settings.eventsRounds}: ${order.map((t) => t.name).join(', ')}`);
      const rows = {};
      for (const target of order) {
        try {
          rows[target.name] = await measure(target);
        } catch (error) {
          log(`${target.name} create failed: ${error.message.slice(0, 300)}`);
        }
      }
      rounds.push(rows);
    }
    for (const target of opened.filter((t) => t.nats)) target.relayAfterRounds = await relayMetrics(target.server.url);

    // Outbox-to-stream latency, during a create load at 64 connections and on its own.
    for (const target of opened.filter((t) => t.nats)) {
      const options = { url: target.server.url, nats: NATS_URL, stream: target.nats.EVENTS_NATS_STREAM,
        prefix: target.nats.EVENTS_NATS_SUBJECT_PREFIX, rate: settings.eventsLatencyRate, books, log };
      // Let the relay catch up with the rounds' backlog first, or the first orders would wait behind it.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const m = await relayMetrics(target.server.url);
        if (!(m.waiting > 0)) break;
        await sleep(500);
      }
      try {
        const load = runLoad({ tool: settings.tool, url: target.server.url, op: 'create', connections: 64,
          durationS: settings.durationS + 2, warmupS: settings.warmupS, users, books, listLimit: settings.listLimit });
        await sleep(settings.warmupS * 1000 + 1000);
        const delayBefore = await delayBuckets(target.server.url);
        const stats = await measureEventLatency({ ...options, seconds: Math.max(2, settings.durationS - 1) });
        const outboxDelay = delayBetween(delayBefore, await delayBuckets(target.server.url));
        const loadResult = await load;
        const relay = await relayMetrics(target.server.url);
        latency.push({ target: target.name, during: 'create load @64', loadRps: loadResult.requests / loadResult.durationS, relay, outboxDelay, ...stats });
        log(`${target.name} latency during create load @64 (${(loadResult.requests / loadResult.durationS).toFixed(0)} req/s): `
          + `p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms (${stats.received}/${stats.placed} received); `
          + `commit to ack p50 ${outboxDelay.p50} ms, p99 ${outboxDelay.p99} ms over ${outboxDelay.events} events`);
      } catch (error) {
        skipped.push({ name: `${target.name} latency under load`, note: `failed: ${error.message.slice(0, 300)}` });
      }
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const m = await relayMetrics(target.server.url);
        if (!(m.waiting > 0)) break;
        await sleep(500);
      }
      try {
        const delayBefore = await delayBuckets(target.server.url);
        const stats = await measureEventLatency({ ...options, seconds: settings.durationS });
        const outboxDelay = delayBetween(delayBefore, await delayBuckets(target.server.url));
        latency.push({ target: target.name, during: 'alone', outboxDelay, ...stats });
        log(`${target.name} latency alone: p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms`);
      } catch (error) {
        skipped.push({ name: `${target.name} latency alone`, note: `failed: ${error.message.slice(0, 300)}` });
      }
    }
  } finally {
    for (const target of opened) await target.close().catch((error) => log(`stopping ${target.name}: ${error.message}`));
    await sink.close();
    await deleteStreams(streams, log).catch((error) => log(`deleting streams: ${error.message}`));
  }

  const rows = opened.map((t) => {
    const mine = rounds.map((r) => r[t.name]).filter(Boolean);
    return { target: t.name, backend: t.backend, setting: t.setting, rounds: mine.map((r) => r.rps),
      rps: median(mine.map((r) => r.rps)), p50Ms: median(mine.map((r) => r.p50Ms)), p99Ms: median(mine.map((r) => r.p99Ms)),
      errors: mine.reduce((n, r) => n + r.non2xx + r.socketErrors, 0), requests: mine.reduce((n, r) => n + r.requests, 0),
      peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)), relayAfterRounds: t.relayAfterRounds };
  });
  const verdicts = judgeEvents({ rows, rounds, latency, skipped });
  return { ref: EVENTS_REF, natsUrl: NATS_URL, rows, rounds, latency, sink: sink.counts, verdicts, skipped,
    table: eventsTable({ rows, latency, sink: sink.counts, rounds: rounds.length }) };
}

function judgeEvents({ rows, rounds, latency, skipped }) {
  const verdicts = [];
  const add = (group, target, required, met, measured) => verdicts.push({ group, target, required, met, measured });
  const row = (name) => rows.find((r) => r.target === name && Number.isFinite(r.rps));
  const why = (name) => skipped.find((s) => s.name.startsWith(name))?.note ?? 'not in this run';
  const perRound = (a, b) => rounds.map((r) => (r[a] && r[b] ? r[a].rps / r[b].rps : NaN)).filter(Number.isFinite);
  const ratio = (group, label, a, b, least) => {
    const [x, y] = [row(a), row(b)];
    if (!x || !y) return add(group, label, least ? `≥ ${least}` : '–', least ? null : undefined, `not measured: ${why(x ? b : a)}`);
    // Judged on the median of the ratios taken within one round (the two runs minutes apart at most), which a
    // machine whose load drifts during the run skews less than the ratio of the two medians (shown beside it).
    const each = perRound(a, b);
    const r = each.length ? median(each) : x.rps / y.rps;
    add(group, label, least ? `≥ ${least}` : '(cost, no target)', least ? r >= least : undefined,
      `${fixed(r, 2)} (median of rounds ${each.map((v) => fixed(v, 2)).join(', ')}; ratio of medians ${fixed(x.rps / y.rps, 2)}: `
      + `${int(x.rps)} ÷ ${int(y.rps)} req/s)`);
  };
  const group12 = 'events (issue 12, create @64)';
  for (const backend of ['embedded', 'postgres']) {
    ratio(group12, `${backend} create, events feed only ÷ events off (${backend}@${EVENTS_REF})`, backend, `${backend}@${EVENTS_REF}`, 0.85);
    ratio(group12, `${backend} create, events + NATS ÷ events off (${backend}@${EVENTS_REF})`, `${backend}+nats`, `${backend}@${EVENTS_REF}`, 0.85);
  }
  for (const backend of ['embedded', 'postgres']) {
    const during = latency.find((l) => l.target === `${backend}+nats` && l.during !== 'alone');
    const alone = latency.find((l) => l.target === `${backend}+nats` && l.during === 'alone');
    const text = (l) => `p99 ${l.p99} ms, p50 ${l.p50} ms, max ${l.max} ms (${l.received} of ${l.placed} events, ${l.missing} missing`
      + `${l.refused ? `, ${l.refused} refused or dropped` : ''})`;
    // Outbox to stream: from the commit (as the service saw it) to JetStream's acknowledgement, for every event the
    // relay published in the window, the load's included; judged met when 99 % took 100 ms or less and the script's
    // own events all reached the consumer.
    const delayText = (d) => `p99 ≈ ${d.p99} ms, p50 ≈ ${d.p50} ms, ${fixed(100 * d.shareWithin100Ms, 1)} % within 100 ms, over ${int(d.events)} events`;
    const label = `${backend}+nats outbox-to-stream p99 (commit → JetStream ack) during the create load @64`;
    if (!during?.outboxDelay) add(group12, label, '< 100 ms', null, `not measured: ${why(`${backend}+nats`)}`);
    else add(group12, label, '< 100 ms', during.outboxDelay.shareWithin100Ms >= 0.99 && during.missing === 0,
      `${delayText(during.outboxDelay)}; load ${int(during.loadRps)} req/s; ${during.missing} of the script's events missing`);
    if (during) {
      add(group12, `${backend}+nats event time → consumer receipt p99, ${latencyRateText(latency)} during the create load @64 `
        + '(includes each order\'s wait for its own write)', '(no target)', undefined, text(during));
    }
    if (alone) {
      add(group12, `${backend}+nats event time → consumer receipt p99, ${latencyRateText(latency)} alone`, '(no target)', undefined,
        `${text(alone)}${alone.outboxDelay ? `; commit → ack ${delayText(alone.outboxDelay)}` : ''}`);
    }
  }
  const group14 = 'tracing (issue 14, embedded create @64)';
  ratio(group14, `tracing off (no endpoint) ÷ embedded@${EVENTS_REF} (which also predates the events feed)`, 'embedded', `embedded@${EVENTS_REF}`, 0.97);
  ratio(group14, 'tracing on ÷ tracing off (the cost of tracing)', 'embedded+tracing', 'embedded');
  return verdicts;
}

const latencyRateText = () => `${settingsRate()} orders/s`;
const settingsRate = () => Number(process.env.BENCH_EVENTS_LATENCY_RATE ?? 200);

function eventsTable({ rows, latency, sink, rounds }) {
  const parts = [`\nEvents and tracing: create @64, ${rounds} interleaved round${rounds === 1 ? '' : 's'}, medians\n`,
    markdownTable(['target', 'setting', 'req/s (median)', 'each round', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MiB', 'relay after rounds'],
      rows.map((r) => [r.target, r.setting, int(r.rps), r.rounds.map((v) => int(v)).join(' / '), fixed(r.p50Ms, 2), fixed(r.p99Ms, 2),
        r.errors, fixed(r.peakRssMiB, 0), r.relayAfterRounds ? `${int(r.relayAfterRounds.published)} published, ${int(r.relayAfterRounds.waiting)} waiting` : '']))];
  if (latency.length) {
    parts.push('\nEvent latency: event time → receipt on a JetStream consumer (the script\'s orders), and outbox to stream, '
      + 'commit → JetStream ack (every event relayed meanwhile, from the service\'s events_outbox_delay_seconds)\n', markdownTable(
      ['target', 'while', 'orders/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'received / placed', 'load req/s', 'commit→ack p50 ms', 'p99 ms', '≤ 100 ms'],
      latency.map((l) => [l.target, l.during, settingsRate(), l.p50, l.p90, l.p99, l.max, `${l.received} / ${l.placed}`, l.loadRps ? int(l.loadRps) : '',
        l.outboxDelay?.p50 ?? '–', l.outboxDelay?.p99 ?? '–', l.outboxDelay ? `${fixed(100 * l.outboxDelay.shareWithin100Ms, 1)} %` : '–'])));
  }
  parts.push(`OTLP sink: ${sink.requests} POST /v1/traces, ${(sink.bytes / 2 ** 20).toFixed(1)} MiB received and discarded`);
  return parts.join('\n');
}
