import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import * as E from 'fp-ts/lib/Either.js';
import got, { type Got, type RequestError } from 'got';
import { tracing } from '../../tracing.js';
import { DependencyFailure } from '../../../application/dependency-failure.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConcurrencyLimiter, QueueFull } from './concurrency-limiter.js';

export const STORAGE_SERVICE = 'storage-service';

export interface StorageClientOptions {
  readonly baseUrl: string;
  /** Per attempt, from sending the request to the last byte of the answer. */
  readonly timeoutMs: number;
  readonly maxConcurrency: number;
  readonly queueLimit: number;
  readonly breakerCooldownMs: number;
  readonly breakerThreshold?: number;
  /** Extra attempts for reads; writes are never repeated. */
  readonly readRetries?: number;
  readonly retryBaseDelayMs?: number;
}

export interface StorageRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** An answer as it came, before it is interpreted. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Reads one answer: its value, or why it is not an answer the wire document allows. */
export type Interpret<A> = (status: number, body: string) => E.Either<string, A>;

/** A failed attempt; `retryable` when trying the same read again could succeed. */
class StorageFault extends DependencyFailure {
  constructor(message: string, readonly retryable: boolean, options: DependencyFailure['options'] = {}) {
    super(STORAGE_SERVICE, message, options);
  }
}

/**
 * Every call to the storage service: keep-alive connections, a timeout per attempt, a cap on concurrent calls with
 * a bounded queue, a circuit breaker, and retries with jittered backoff for reads only. Each answer is interpreted
 * by the caller; an answer it cannot read is a fault like any other. Faults are DependencyFailures, with
 * `outcomeUnknown` set when a write may have been applied.
 */
export class StorageServiceClient {
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private readonly http: Got;
  private readonly limiter: ConcurrencyLimiter;
  private readonly breaker: CircuitBreaker;
  /**
   * Reads still waiting for a slot, by path and query. An identical read that arrives meanwhile waits for the same
   * answer instead of queueing its own: that answer is read after both arrived, so it is as current for the second
   * caller as its own would be. A read already sent is not joined; its answer may predate the newcomer. The answer
   * is interpreted once, by the first caller's interpreter, and the value shared.
   */
  private readonly waitingReads = new Map<string, Promise<unknown>>();

  constructor(private readonly options: StorageClientOptions) {
    this.limiter = new ConcurrencyLimiter(options.maxConcurrency, options.queueLimit);
    this.breaker = new CircuitBreaker(options.breakerThreshold ?? 5, options.breakerCooldownMs);
    this.http = got.extend({
      agent: this.agents,
      timeout: { request: options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
    });
  }

  /**
   * Makes a call, retrying reads. Identical reads (same path and query) must be interpreted the same way, as one
   * answer may serve several of them; callers treat the value as read-only.
   */
  async call<A>(request: StorageRequest, interpret: Interpret<A>, how: { probe?: boolean } = {}): Promise<A> {
    const attempts = request.method === 'GET' && !how.probe ? 1 + (this.options.readRetries ?? 2) : 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attempt(request, interpret, how.probe ?? false);
      } catch (error) {
        if (!(error instanceof StorageFault && error.retryable) || attempt >= attempts) throw error;
      }
      const ceiling = (this.options.retryBaseDelayMs ?? 25) * 2 ** (attempt - 1);
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async attempt<A>(request: StorageRequest, interpret: Interpret<A>, probe: boolean): Promise<A> {
    if (this.breaker.refusing) throw this.circuitOpen();
    // Probes (readiness) skip the queue: a busy service is still a reachable one.
    if (probe) return this.judge(request, await this.send(request), interpret);
    if (request.method !== 'GET') return this.judge(request, await this.queued(request), interpret);
    const key = readKey(request);
    const waiting = this.waitingReads.get(key);
    if (waiting) return waiting as Promise<A>;
    let sent = false;
    let read: Promise<A> | undefined;
    const forget = () => {
      if (this.waitingReads.get(key) === read) this.waitingReads.delete(key);
    };
    read = this.queued(request, () => {
      sent = true; // a slot was free at once (`read` is not assigned yet), or it came free now
      forget();
    }).then((answer) => this.judge(request, answer, interpret));
    if (!sent) {
      this.waitingReads.set(key, read);
      read.then(forget, forget);
    }
    return read;
  }

  /** The request sent once a slot is free; `leaving` is told just before it is sent. */
  private async queued(request: StorageRequest, leaving?: () => void): Promise<Answer> {
    try {
      return await this.limiter.run(() => {
        leaving?.();
        return this.send(request);
      });
    } catch (error) {
      if (error instanceof QueueFull) throw new StorageFault(`too many calls waiting: ${error.message}`, false);
      throw error;
    }
  }

  private send(request: StorageRequest): Promise<Answer> {
    const traces = tracing();
    if (!traces.enabled) return this.exchange(request, undefined);
    const url = this.options.baseUrl + request.path;
    return traces.child(`storage-service ${request.method} ${request.path}`, 'client',
      { 'http.request.method': request.method, 'url.full': url, 'server.address': new URL(url).host },
      () => this.exchange(request, traces.outgoingHeaders()));
  }

  /** One HTTP call; `headers` carry the trace to the storage service when tracing is on. */
  private async exchange(request: StorageRequest, headers: Record<string, string> | undefined): Promise<Answer> {
    if (!this.breaker.enter()) throw this.circuitOpen();
    try {
      const response = await this.http(this.options.baseUrl + request.path, {
        method: request.method,
        ...(headers ? { headers } : {}),
        ...(request.query ? { searchParams: new URLSearchParams(request.query) } : {}),
        ...(request.body === undefined ? {} : { json: request.body }),
      });
      return { status: response.statusCode, body: response.body };
    } catch (error) {
      this.breaker.failed();
      // A request whose last byte never left cannot have been acted on; anything later may have been.
      const sent = (error as RequestError).timings?.upload !== undefined;
      throw new StorageFault(`${request.method} ${request.path} failed: ${(error as RequestError).code ?? (error as Error).message}`, true, {
        cause: error,
        outcomeUnknown: request.method !== 'GET' && sent,
      });
    }
  }

  /** Reads an answer, and tells the circuit breaker how the call went. */
  private judge<A>(request: StorageRequest, { status, body }: Answer, interpret: Interpret<A>): A {
    const value = status >= 500 ? E.left(`answered ${status}`) : readSafely(interpret, status, body);
    if (E.isLeft(value)) {
      this.breaker.failed();
      const write = request.method !== 'GET';
      throw new StorageFault(`${request.method} ${request.path}: ${value.left}`, true, { outcomeUnknown: write && (status < 300 || status >= 500) });
    }
    this.breaker.succeeded();
    return value.right;
  }

  private circuitOpen(): StorageFault {
    return new StorageFault('the storage service is failing; calls are paused', false, {
      retryAfterSeconds: Math.max(1, Math.ceil(this.breaker.retryAfterMs() / 1000)),
    });
  }
}

const readKey = (request: StorageRequest): string =>
  request.query ? `${request.path}?${new URLSearchParams(request.query).toString()}` : request.path;

/** An interpreter that throws must still end the call as a failure, or a half-open circuit would never close. */
function readSafely<A>(interpret: Interpret<A>, status: number, body: string): E.Either<string, A> {
  try {
    return interpret(status, body);
  } catch (error) {
    return E.left(`the answer could not be read: ${(error as Error).message}`);
  }
}
