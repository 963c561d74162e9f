import * as E from 'fp-ts/lib/Either.js';
import type { StorageBackend } from '../../src/adapters/outbound/storage-backend.js';
import { decodeConfig, type Config } from '../../src/infrastructure/config.js';
import { createLogger } from '../../src/infrastructure/logger.js';
import { startService, type RunningService, type StartOptions } from '../../src/infrastructure/server.js';

/** Configuration as the service would decode it from `env`, on an ephemeral port and quiet. */
export function testConfig(env: Record<string, string> = {}): Config {
  const decoded = decodeConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_BACKEND: 'memory', LOG_LEVEL: 'silent', ...env });
  if (E.isLeft(decoded)) throw new Error(decoded.left.join('\n'));
  return decoded.right;
}

/**
 * The relay's thread runs compiled code (a worker cannot load these sources): `npm test` builds first, so it is
 * the code under test.
 */
const RELAY_WORKER = new URL('../../dist/infrastructure/event-relay.worker.js', import.meta.url);

/** The real server on an ephemeral port, in this process. */
export async function startTestService(
  env: Record<string, string> = {},
  options: StartOptions & { backend?: StorageBackend } = {},
): Promise<RunningService> {
  const config = testConfig(env);
  return startService(config, { logger: createLogger(config.logLevel), relayWorker: RELAY_WORKER, ...options });
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly text: string;
}

/** A JSON request; the body is parsed when the response has one. */
export async function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const send = () => fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    // A kept-alive connection the server closed as idle just as this request went out on it (client and server
    // share this process's event loop, so one late timer can let both sides act on it): a GET is sent again, as
    // HTTP clients do. A service that is gone refuses the second attempt too.
    if (method !== 'GET' || (error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    response = await send();
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
