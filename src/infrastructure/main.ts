import * as E from 'fp-ts/lib/Either.js';
import { decodeConfig } from './config.js';
import { createLogger, flushLogger } from './logger.js';
import { startService } from './server.js';

const config = decodeConfig(process.env);
if (E.isLeft(config)) {
  for (const line of config.left) process.stderr.write(`order-service: invalid configuration: ${line}\n`);
  process.exit(2);
}

const log = createLogger(config.right.logLevel);
try {
  const service = await startService(config.right, { logger: log });
  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down');
    // Server stopped and store closed first, then the log: its last lines say how the stop went.
    service.stop().then(
      () => {
        flushLogger(log);
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        flushLogger(log);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
} catch (error) {
  log.fatal({ err: error }, 'order service failed to start');
  flushLogger(log);
  process.exit(1);
}
