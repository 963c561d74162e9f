import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Records as the storage service keeps them (see the wire document). */
export interface FakeBook {
  id: string; title: string; author: string; price: number; quantity: number; seller_id: string; description: string;
}
export interface FakeOrder {
  id: string; book_id: string; user_id: string; status: string; price: number; quantity: number; created: string;
}

/** One request as received: `target` is the raw path and query, exactly as sent. */
export interface ReceivedRequest {
  readonly method: string; readonly path: string; readonly target: string;
  readonly query: Readonly<Record<string, string>>; readonly body: string;
}

export type Fault =
  | { readonly kind: 'status'; readonly status: number } // a plain-text error answer
  | { readonly kind: 'reset' } // the connection is cut, no answer
  | { readonly kind: 'garbage'; readonly body?: string } // the route's success status with a body that is not its JSON
  | { readonly kind: 'delay'; readonly ms: number }; // the normal answer, late

export interface FaultRule {
  readonly fault: Fault;
  /** "PUT /internal/books/update-quantity"; every request when absent. */
  readonly route?: string;
  /** How many matching requests it hits; all of them when absent. */
  readonly times?: number;
  /** Matching requests let through untouched before it starts hitting. */
  readonly skip?: number;
  /** The request takes effect first and only its answer is lost or spoiled. */
  readonly afterApplying?: boolean;
}

interface Answer { status: number; json?: unknown; text?: string; allow?: string }

type Field = 'string' | 'number' | 'int' | 'time';
const BOOK: Record<string, Field> = { id: 'string', title: 'string', author: 'string', price: 'number', quantity: 'int', seller_id: 'string', description: 'string' };
const ORDER: Record<string, Field> = { id: 'string', book_id: 'string', user_id: 'string', status: 'string', price: 'number', quantity: 'int', created: 'time' };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ZERO: Record<Field, unknown> = { string: '', number: 0, int: 0, time: '0001-01-01T00:00:00Z' };

/**
 * The AvaKart storage service as the wire document describes it (upserts, absolute stock, 201 on updates, 400 for
 * "not found" on updates, plain-text errors, unordered lists), on 127.0.0.1 and an ephemeral port, with switches
 * for latency, faults and downtime, and a log of what it received.
 */
export class FakeStorageService {
  readonly books = new Map<string, FakeBook>();
  readonly orders = new Map<string, FakeOrder>();
  readonly received: ReceivedRequest[] = [];
  latencyMs = 0;
  /** Requests being handled now, and the most ever handled at once. */
  inFlight = 0;
  peakInFlight = 0;
  private rules: Array<FaultRule & { left: number; skipping: number }> = [];
  private idleWaiters: Array<() => void> = [];
  private server: Server | undefined;
  /** Bumped by `down`: requests that arrived before the outage are never applied after it, as after a crash. */
  private generation = 0;

  private constructor(private port: number) {}

  static async start(): Promise<FakeStorageService> {
    const fake = new FakeStorageService(0);
    await fake.up();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addBook(book: Partial<FakeBook> & { id: string }): void {
    this.books.set(book.id, { title: 'T', author: 'A', price: 10, quantity: 0, seller_id: 's', description: '', ...book });
  }

  stockOf(id: string): number | undefined {
    return this.books.get(id)?.quantity;
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? Infinity, skipping: rule.skip ?? 0 });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Resolves once no request is being handled, e.g. after a delayed request has finally been applied. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The routes received from the `from`-th request on, as "METHOD /path", in arrival order. */
  routesFrom(from = 0): string[] {
    return this.received.slice(from).map((r) => `${r.method} ${r.path}`);
  }

  requestsTo(route: string): ReceivedRequest[] {
    return this.received.filter((r) => `${r.method} ${r.path}` === route);
  }

  /** Downtime: stops listening and cuts every open connection. `up` listens again on the same port. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.generation += 1;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.inFlight += 1;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      void this.handle(req, res).catch(() => res.destroy()).finally(() => {
        this.inFlight -= 1;
        if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    });
    server.keepAliveTimeout = 0; // like Go's default server: idle connections stay open
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  close(): Promise<void> {
    return this.down();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const target = req.url ?? '/';
    const url = new URL(target, 'http://fake');
    const method = req.method ?? 'GET';
    const generation = this.generation;
    this.received.push({ method, path: url.pathname, target, query: Object.fromEntries(url.searchParams), body });
    if (this.latencyMs) await sleep(this.latencyMs);
    const rule = this.ruleFor(`${method} ${url.pathname}`);
    if (rule && !rule.afterApplying) {
      if (rule.fault.kind !== 'delay') return this.spoil(res, rule.fault, method === 'GET' ? 200 : 201);
      await sleep(rule.fault.ms);
    }
    if (generation !== this.generation) return void res.destroy();
    const answer = this.route(method, url, body);
    if (rule?.afterApplying) {
      if (rule.fault.kind !== 'delay') return this.spoil(res, rule.fault, answer.status);
      await sleep(rule.fault.ms);
    }
    send(res, answer);
  }

  private ruleFor(route: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0 || (rule.route && rule.route !== route)) continue;
      if (rule.skipping > 0) {
        rule.skipping -= 1;
        continue;
      }
      rule.left -= 1;
      return rule;
    }
    return undefined;
  }

  private spoil(res: ServerResponse, fault: Exclude<Fault, { kind: 'delay' }>, status: number): void {
    if (fault.kind === 'reset') return void res.socket?.destroy();
    if (fault.kind === 'status') return send(res, { status: fault.status, text: 'internal error' });
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(fault.body ?? '<html>502 Bad Gateway</html>');
  }

  private route(method: string, url: URL, body: string): Answer {
    const id = url.searchParams.get('id') ?? '';
    const routes: Record<string, [string, () => Answer]> = {
      '/health': ['GET', () => ({ status: 200, text: 'OK' })],
      '/health/live': ['GET', () => ({ status: 200, text: 'OK' })],
      '/health/ready': ['GET', () => ({ status: 200, text: 'Ready' })],
      '/health/startup': ['GET', () => ({ status: 200, text: 'Started' })],
      '/internal/books/list': ['GET', () => ({ status: 200, json: shuffled([...this.books.values()].map(bookJson)) })],
      '/internal/books/get': ['GET', () => this.lookup(id, 'Book', this.books, bookJson)],
      '/internal/books/quantity': ['GET', () => this.lookup(id, 'Book', this.books, (b) => ({ quantity: b.quantity }))],
      '/internal/books/add': ['POST', () => this.upsert(body, BOOK, (b: FakeBook) => (this.books.set(b.id, b), bookJson(b)))],
      '/internal/books/update': ['PUT', () => this.upsert(body, BOOK, (b: FakeBook) =>
        this.books.has(b.id) ? (this.books.set(b.id, b), bookJson(b)) : 'book not found')],
      '/internal/books/update-quantity': ['PUT', () => this.upsert(body, { book_id: 'string', quantity: 'int' }, (u: { book_id: string; quantity: number }) => {
        const book = this.books.get(u.book_id);
        return book ? (book.quantity = u.quantity, bookJson(book)) : 'book not found';
      })],
      '/internal/orders/list': ['GET', () => ({ status: 200, json: { orders: shuffled([...this.orders.values()]), version: 'v1' } })],
      '/internal/orders/get': ['GET', () => this.lookup(id, 'Order', this.orders, (o) => o)],
      '/internal/orders/add': ['POST', () => this.upsert(body, ORDER, (o: FakeOrder) => (this.orders.set(o.id, o), o))],
      '/internal/orders/update-status': ['PUT', () => this.upsert(body, { order_id: 'string', status: 'string' }, (u: { order_id: string; status: string }) => {
        const order = this.orders.get(u.order_id);
        return order ? (order.status = u.status, order) : 'order not found';
      })],
    };
    const found = routes[url.pathname];
    if (!found) return { status: 404, text: '404 page not found' };
    if (found[0] !== method) return { status: 405, text: 'Method Not Allowed', allow: found[0] === 'GET' ? 'GET, HEAD' : found[0] };
    return found[1]();
  }

  private lookup<T>(id: string, what: string, from: Map<string, T>, view: (record: T) => unknown): Answer {
    if (!id) return { status: 400, text: `${what} ID required` };
    const record = from.get(id);
    return record ? { status: 200, json: view(record) } : { status: 404, text: `${what} not found` };
  }

  /** Decodes like Go's encoding/json into a struct: wrong types are refused, missing fields are zero values. */
  private upsert<T>(body: string, fields: Record<string, Field>, apply: (value: T) => unknown): Answer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, text: 'Invalid request body' };
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) return { status: 400, text: 'Invalid request body' };
    const value: Record<string, unknown> = {};
    for (const [name, type] of Object.entries(fields)) {
      const v = (parsed as Record<string, unknown> | null)?.[name];
      if (v === undefined || v === null) value[name] = ZERO[type];
      else if (!fits(v, type)) return { status: 400, text: 'Invalid request body' };
      else value[name] = type === 'time' ? goTime(v as string) : v;
    }
    const result = apply(value as T);
    return typeof result === 'string' ? { status: 400, text: result } : { status: 201, json: result };
  }
}

function fits(value: unknown, type: Field): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'time') return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value));
  return typeof value === 'number' && (type === 'number' || Number.isSafeInteger(value));
}

/** time.Time as Go marshals it: RFC 3339 with the fraction's trailing zeros dropped. */
const goTime = (value: string): string => new Date(value).toISOString().replace(/\.?0+Z$/, 'Z');

const bookJson = ({ description, ...book }: FakeBook) => (description ? { ...book, description } : book);

const shuffled = <T>(items: T[]): T[] => items.map((item) => [Math.random(), item] as const).sort((a, b) => a[0] - b[0]).map(([, item]) => item);

function send(res: ServerResponse, answer: Answer): void {
  if (answer.json !== undefined) {
    res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(`${JSON.stringify(answer.json)}\n`);
    return;
  }
  res.writeHead(answer.status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    ...(answer.allow ? { Allow: answer.allow } : {}),
  }).end(`${answer.text ?? ''}\n`);
}
