import * as E from 'fp-ts/lib/Either.js';
import { decodeConfig } from './config.js';
import { buildContainer, settlementPolicy, TOKENS } from './container.js';
import { createLogger, flushLogger } from './logger.js';
import { openStorageBackend } from './storage-backends.js';

/**
 * Runs recovery once against the configured backend and prints what it did as one JSON line: for a Kubernetes
 * Job or CronJob where the backend is shared (postgres, storage-service). With the embedded store, whose file
 * belongs to one pod, call POST /orders/batch-process on that pod instead.
 */
const config = decodeConfig(process.env);
if (E.isLeft(config)) {
  for (const line of config.left) process.stderr.write(`order-service settle: invalid configuration: ${line}\n`);
  process.exit(2);
}
const log = createLogger(config.right.logLevel);
const limitArgument = process.argv.indexOf('--limit');
const limit = limitArgument > 0 ? Number(process.argv[limitArgument + 1]) : 100;
if (!Number.isSafeInteger(limit) || limit < 1) {
  process.stderr.write('order-service settle: --limit takes a whole number ≥ 1\n');
  process.exit(2);
}

const backend = await openStorageBackend(config.right);
try {
  const container = buildContainer(backend, { settlement: settlementPolicy(config.right) });
  if (!container.isBound(TOKENS.SettleOrders)) throw new Error(`the ${backend.name} backend cannot run recovery`);
  const report = await container.get(TOKENS.SettleOrders).execute(limit);
  process.stdout.write(`${JSON.stringify({ backend: backend.name, ...report })}\n`);
  process.exitCode = 0;
} catch (error) {
  log.error({ err: error }, 'settling orders failed');
  process.exitCode = 1;
} finally {
  await backend.close();
  flushLogger(log); // the logger writes asynchronously: its last line must not be lost at exit
}
