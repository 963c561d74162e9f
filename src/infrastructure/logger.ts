import { pino, type Logger } from 'pino';
import type { RequestLine, RequestLogger } from '../adapters/inbound/http/http-context.js';
import { tracing } from '../adapters/tracing.js';
import type { Config } from './config.js';

export type { Logger };

const FLUSH_EVERY_MS = 1000;
const MAX_BUFFERED = 8 * 1024 * 1024;
const CHUNK = 4096;
const BASE = { service: 'order-service' };

/** What pino writes to: lines, handed on in chunks. */
interface LineSink {
  write(line: string): boolean;
  flush(done?: () => void): void;
  flushSync(): void;
}

const sinks = new WeakMap<Logger, LineSink>();

/**
 * JSON lines on stdout, one object per event; `err` values are serialised with their stack. Lines are written
 * asynchronously in chunks of 4 KiB: a synchronous write per request line was a tenth of the CPU of a request.
 * A quiet service still shows its lines within a second, and `flushLogger` writes what is left before exit.
 */
export function createLogger(level: Config['logLevel']): Logger {
  // A stdout that stops draining (a stuck log collector) must not grow the process until it is killed: past
  // MAX_BUFFERED bytes, lines are dropped, and a warning says how many once there is room again.
  const destination = pino.destination({ dest: 1, sync: false, minLength: CHUNK, maxLength: MAX_BUFFERED });
  let dropped = 0;
  destination.on('drop', (chunk: string) => {
    dropped += linesIn(chunk);
  });
  const sink = chunked(destination);
  const logger = pino({ level, base: BASE, timestamp: isoTimeOncePerMillisecond, mixin: withTraceId }, sink);
  sinks.set(logger, sink);
  setInterval(() => {
    if (dropped) {
      const count = dropped;
      logger.warn({ droppedLines: count }, 'log lines dropped: stdout was not draining');
      if (dropped === count) dropped = 0; // written; had it been dropped too, it is one more to report
    }
    logger.flush();
  }, FLUSH_EVERY_MS).unref();
  return logger;
}

/** The trace of the request a line is logged in, when tracing is on (pino merges into what this returns). */
function withTraceId(): object {
  const traceId = tracing().traceId();
  return traceId ? { traceId } : {};
}

/**
 * Joins lines into chunks before sonic-boom sees them: it measures its whole pending buffer in bytes on every
 * write, which per line cost more than formatting the line.
 */
function chunked(destination: ReturnType<typeof pino.destination>): LineSink {
  let pending = '';
  const pass = () => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    destination.write(chunk);
  };
  return {
    write: (line) => {
      pending += line;
      if (pending.length >= CHUNK) pass();
      return true;
    },
    flush: (done) => {
      pass();
      destination.flush(done);
    },
    flushSync: () => {
      pass();
      destination.flushSync();
    },
  };
}

function linesIn(chunk: string): number {
  let lines = 0;
  for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) lines += 1;
  return lines;
}

/**
 * The logger as the HTTP adapter uses it. Its request line is the one `info(line, 'request')` would write, field
 * for field, built by hand: pino's generic formatting of the object was most of the cost of logging a request.
 */
export function requestLogger(logger: Logger): RequestLogger {
  const sink = sinks.get(logger);
  const info = (fields: object, message: string) => logger.info(fields, message);
  const error = (fields: object, message: string) => logger.error(fields, message);
  if (!sink) return { info, error, request: (line) => logger.info(line, 'request') };
  const level = pino.levels.values.info!;
  const head = `{"level":${level}`;
  const base = JSON.stringify(BASE).slice(1, -1);
  return {
    info,
    error,
    request: (line: RequestLine) => {
      if (!logger.isLevelEnabled('info')) return;
      const traceId = tracing().traceId();
      sink.write(`${head}${isoTimeOncePerMillisecond()},${base}${traceId ? `,"traceId":"${traceId}"` : ''},"requestId":${quoted(line.requestId)},"method":${quoted(line.method)}`
        + `,"path":${quoted(line.path)},"status":${line.status},"durationMs":${line.durationMs},"msg":"request"}\n`);
    },
  };
}

/** Characters that JSON.stringify would escape; a path or id almost never holds one. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const quoted = (value: string): string => (NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);

/** pino's isoTime, but formatting the date once per millisecond: under load many lines share one. */
let stampedAt = -1;
let stamp = '';
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/** Writes every buffered line before the process exits, whatever `process.exit` would otherwise drop. */
export function flushLogger(logger: Logger): void {
  const stream = sinks.get(logger)
    ?? ((logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined);
  try {
    stream?.flushSync?.();
  } catch {
    logger.flush();
  }
}
