// Outbox-to-stream latency: places orders on a running service (started with EVENTS_NATS_URL) at a steady rate and
// times each order's event from its commit (the CloudEvent `time`, when the change was made) to its receipt on a
// JetStream consumer; prints p50/p90/p99/max. Standalone:
//   node test/bench/event-latency.mjs --url http://127.0.0.1:8082 --nats nats://127.0.0.1:4222 --rate 200 --seconds 10
// or from the bench: `const stats = await measureEventLatency({ url, nats, rate, seconds })`.
// Options (flags or env): --url (EVENT_LATENCY_URL), --nats (EVENTS_NATS_URL), --stream (EVENTS_NATS_STREAM,
// AVAKART_EVENTS), --prefix (EVENTS_NATS_SUBJECT_PREFIX, avakart), --rate orders/s (200), --seconds (10),
// --books b1,b2,… (the demo catalog's), --max-in-flight (256), --token (a bearer token, if the service needs one).
// The service and this script must share a clock (the same machine, or NTP-synchronised ones): the latency is the
// difference of two wall clocks, to the millisecond the event's `time` carries. Only this script's own orders are
// timed, so other load may run alongside.
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pathToFileURL } from 'node:url';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Resolves with `{ placed, received, missing, refused, p50, p90, p99, max, mean }` (milliseconds). Waits up to
 * `drainMs` after the last order for events still on their way; those that never come are `missing`.
 */
export async function measureEventLatency({
  url, nats, stream = 'AVAKART_EVENTS', prefix = 'avakart', rate = 200, seconds = 10,
  books = ['b1', 'b2', 'b3', 'b4', 'b5'], maxInFlight = 256, token, drainMs = 10_000, log = () => {},
}) {
  const servers = nats.split(',').map((part) => new URL(part.trim()).host);
  const nc = await connect({ servers });
  try {
    const manager = await jetstreamManager(nc);
    // The service creates the stream when it connects: give a service that just started a moment.
    let state;
    for (const deadline = Date.now() + 10_000; !state;) {
      state = await manager.streams.info(stream).then((info) => info.state, (error) => {
        if (Date.now() > deadline) throw error;
        return sleep(200).then(() => undefined);
      });
    }
    // An ordered consumer from the next message on: no durable state is left behind on the server. One filter as
    // a string, which servers before 2.10 take too.
    const consumer = await jetstream(nc).consumers.get(stream, {
      filter_subjects: `${prefix}.order.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: state.last_seq + 1,
    });
    const messages = await consumer.consume({ max_messages: 1_000 });
    const wanted = new Map(); // order id -> latency (ms), or null while awaited
    const early = new Map(); // events that arrived before their POST answered
    const latencies = [];
    const reading = (async () => {
      for await (const message of messages) {
        const receivedAt = Date.now();
        const event = JSON.parse(message.string());
        const orderId = event.subject;
        const latency = receivedAt - Date.parse(event.time);
        // The first event of an order is the one its placement committed.
        if (event.data?.previousStatus !== null) continue;
        if (wanted.get(orderId) === null) {
          wanted.set(orderId, latency);
          latencies.push(latency);
        } else if (!wanted.has(orderId)) early.set(orderId, latency);
      }
    })();

    const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let inFlight = 0;
    let placed = 0;
    let refused = 0;
    let sent = 0;
    const place = async (n) => {
      inFlight += 1;
      try {
        const response = await fetch(`${url}/orders`, {
          method: 'POST', headers,
          body: JSON.stringify({ bookId: books[n % books.length], userId: `latency-u${n % 50}`, quantity: 1 }),
        });
        const body = await response.json().catch(() => ({}));
        if (response.status !== 201 || !body.id) return void (refused += 1);
        placed += 1;
        if (early.has(body.id)) {
          wanted.set(body.id, early.get(body.id));
          latencies.push(early.get(body.id));
          early.delete(body.id);
        } else wanted.set(body.id, null);
      } catch {
        refused += 1;
      } finally {
        inFlight -= 1;
      }
    };

    // Open loop: orders go out on schedule whatever the answers take, up to maxInFlight at once.
    const total = Math.round(rate * seconds);
    const startedAt = Date.now();
    const pending = [];
    log(`placing ${total} orders at ${rate}/s on ${url}, reading ${stream} on ${servers.join(',')}`);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * rate));
      while (sent < due) {
        if (inFlight < maxInFlight) pending.push(place(sent));
        else refused += 1;
        sent += 1;
      }
      await sleep(2);
    }
    await Promise.all(pending);
    const deadline = Date.now() + drainMs;
    while (latencies.length < placed && Date.now() < deadline) await sleep(20);
    messages.stop();
    await reading.catch(() => {});

    const sorted = [...latencies].sort((a, b) => a - b);
    const stats = {
      placed, received: sorted.length, missing: placed - sorted.length, refused,
      p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN,
      mean: sorted.length ? +(sorted.reduce((sum, v) => sum + v, 0) / sorted.length).toFixed(1) : NaN,
    };
    return stats;
  } finally {
    await nc.close();
  }
}

function argsOf(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i += 1) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) continue;
    flags[match[1]] = match[2] ?? argv[i + 1];
    if (match[2] === undefined) i += 1;
  }
  return flags;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flags = argsOf(process.argv.slice(2));
  const env = process.env;
  const options = {
    url: (flags.url ?? env.EVENT_LATENCY_URL ?? 'http://127.0.0.1:8082').replace(/\/+$/, ''),
    nats: flags.nats ?? env.EVENTS_NATS_URL ?? 'nats://127.0.0.1:4222',
    stream: flags.stream ?? env.EVENTS_NATS_STREAM ?? 'AVAKART_EVENTS',
    prefix: flags.prefix ?? env.EVENTS_NATS_SUBJECT_PREFIX ?? 'avakart',
    rate: Number(flags.rate ?? 200),
    seconds: Number(flags.seconds ?? 10),
    maxInFlight: Number(flags['max-in-flight'] ?? 256),
    ...(flags.books ? { books: flags.books.split(',') } : {}),
    ...(flags.token ? { token: flags.token } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const stats = await measureEventLatency(options);
  process.stdout.write(`outbox-to-stream latency over ${stats.received} events (placed ${stats.placed}, missing ${stats.missing}, `
    + `refused or dropped ${stats.refused}): p50 ${stats.p50} ms, p90 ${stats.p90} ms, p99 ${stats.p99} ms, max ${stats.max} ms, mean ${stats.mean} ms\n`);
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  process.exit(stats.missing > 0 ? 1 : 0);
}
