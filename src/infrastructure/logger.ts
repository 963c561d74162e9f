import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

const FLUSH_EVERY_MS = 1000;
const MAX_BUFFERED = 8 * 1024 * 1024;

/**
 * JSON lines on stdout, one object per event; `err` values are serialised with their stack. Lines are written
 * asynchronously in chunks of 4 KiB: a synchronous write per request line was a tenth of the CPU of a request.
 * A quiet service still shows its lines within a second, and `flushLogger` writes what is left before exit.
 */
export function createLogger(level: Config['logLevel']): Logger {
  // A stdout that stops draining (a stuck log collector) must not grow the process until it is killed: past
  // MAX_BUFFERED bytes, lines are dropped, and a warning says how many once there is room again.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: MAX_BUFFERED });
  let dropped = 0;
  destination.on('drop', () => {
    dropped += 1;
  });
  const logger = pino({ level, base: { service: 'order-service' }, timestamp: isoTimeOncePerMillisecond }, destination);
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
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    logger.flush();
  }
}
