import * as E from 'fp-ts/lib/Either.js';
import { describeError } from '../adapters/outbound/postgres/postgres-database.js';
import { migrate } from '../adapters/outbound/postgres/postgres-migrations.js';
import { decodeConfig } from './config.js';

/** `npm run migrate`: brings the PostgreSQL schema up to date without starting the service. */
function fail(line: string): never {
  process.stderr.write(`order-service migrate: ${line}\n`);
  process.exit(1);
}

const config = decodeConfig(process.env);
if (E.isLeft(config)) fail(`invalid configuration: ${config.left.join('; ')}`);
const { databaseUrl, databaseConnectTimeoutMs } = config.right;
if (!databaseUrl) fail('DATABASE_URL: required to migrate');

try {
  const { from, to } = await migrate({ url: databaseUrl, connectTimeoutMs: databaseConnectTimeoutMs });
  const done = from === to ? `schema already at version ${to}` : `schema migrated from version ${from} to ${to}`;
  process.stdout.write(`order-service migrate: ${done}\n`);
} catch (error) {
  fail(`failed: ${(error as Error).message || describeError(error)}`);
}
