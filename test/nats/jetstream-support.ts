import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, connect as dial } from 'node:net';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RunningService } from '../../src/infrastructure/server.js';
import { sample } from '../support/prometheus.js';
import { request } from '../support/test-service.js';

export interface StreamMessage {
  readonly seq: number;
  readonly subject: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A stream name and subject prefix no other test (or run) uses. */
export const uniqueStream = () => {
  const tag = randomBytes(4).toString('hex');
  return { stream: `TEST_EVENTS_${tag}`, prefix: `test${tag}` };
};

export const natsConnection = (url: string): Promise<NatsConnection> => connect({ servers: new URL(url).host });

/** Every message the stream holds, in stream order, read with an ordered consumer. */
export async function streamMessages(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const total = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  const consumer = await jetstream(nc).consumers.get(stream);
  const found: StreamMessage[] = [];
  while (found.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(500, total - found.length), expires: 2_000 });
    for await (const message of batch) {
      const headers: Record<string, string> = {};
      for (const [name, values] of message.headers ?? []) headers[name] = values.join(',');
      found.push({ seq: message.seq, subject: message.subject, headers, body: message.string() });
    }
  }
  return found;
}

export async function deleteStream(nc: NatsConnection, stream: string): Promise<void> {
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
}

export interface FeedEvent {
  readonly id: string;
  readonly subject: string;
  readonly type: string;
  readonly orderversion?: number;
  /** The event as JSON text: the stored text, since it was written by JSON.stringify and re-serialises the same. */
  readonly text: string;
}

/** Every event of the feed, paged from the start with nextCursor. */
export async function feedEvents(service: RunningService): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  let after = '';
  for (;;) {
    const page = await request(service.url, 'GET', `/events?limit=500${after ? `&after=${after}` : ''}`);
    if (page.status !== 200) throw new Error(`GET /events: ${page.status} ${page.text}`);
    events.push(...page.body.events.map((event: FeedEvent) => ({ ...event, text: JSON.stringify(event) })));
    if (!page.body.events.length) return events;
    after = page.body.nextCursor;
  }
}

/** The value of one sample of Prometheus text. */
export async function metric(service: RunningService, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sample((await request(service.url, 'GET', '/metrics')).text, name, labels);
}

export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A catalog file with stock enough for any load a test puts on it. */
export function bigCatalog(dir: string): string {
  const file = join(dir, 'catalog.json');
  const books = ['b1', 'b2', 'b3'].map((id) => ({ id, title: `Book ${id}`, author: 'A. Author', price: 12.5, quantity: 1_000_000 }));
  writeFileSync(file, JSON.stringify(books));
  return file;
}

export const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

/** A nats-server of the test's own, which the test may stop and start again on the same port and store. */
export class OwnNatsServer {
  private child: ChildProcess | undefined;
  constructor(readonly port: number, private readonly storeDir: string) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nats-server did not start on ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dial(port, '127.0.0.1');
    const answer = (yes: boolean) => {
      socket.destroy();
      resolve(yes);
    };
    socket.setTimeout(500, () => answer(false));
    socket.once('error', () => answer(false));
    socket.once('data', (chunk) => answer(chunk.toString('latin1').startsWith('INFO ')));
  });
}

/** What the test expects of the stream, given the feed: every event once, where the contract says, in order. */
export function expectStreamToMatchFeed(messages: readonly StreamMessage[], feed: readonly FeedEvent[], prefix: string): void {
  const byId = new Map(feed.map((event) => [event.id, event]));
  const firsts = messages.filter((message, i) => messages.findIndex((m) => m.headers['Nats-Msg-Id'] === message.headers['Nats-Msg-Id']) === i);
  expect(firsts.map((m) => m.headers['Nats-Msg-Id']).sort()).toEqual([...byId.keys()].sort());
  for (const message of firsts) {
    const event = byId.get(message.headers['Nats-Msg-Id']!)!;
    expect({ subject: message.subject, contentType: message.headers['Content-Type'], body: message.body })
      .toEqual({ subject: `${prefix}.${event.type.replace(/^com\.avakart\./, '')}`, contentType: 'application/cloudevents+json', body: event.text });
  }
  // Per order, the stream holds the events in increasing orderversion.
  const versions = new Map<string, number[]>();
  for (const message of firsts) {
    const event = byId.get(message.headers['Nats-Msg-Id']!)!;
    versions.set(event.subject, [...(versions.get(event.subject) ?? []), event.orderversion!]);
  }
  for (const [order, seen] of versions) expect([order, seen]).toEqual([order, [...seen].sort((a, b) => a - b)]);
}
