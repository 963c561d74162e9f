import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { DEFAULT_EVENTS_SOURCE } from '../adapters/outbound/events/cloud-event.js';

export const STORAGE_BACKENDS = ['embedded', 'memory', 'storage-service', 'postgres'] as const;
export type StorageBackendName = (typeof STORAGE_BACKENDS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly backend: StorageBackendName;
  readonly storageServiceUrl: string;
  /** The storage-service backend: timeout per call, concurrent calls, calls allowed to wait, pause after failures. */
  readonly storageTimeoutMs: number;
  readonly storageMaxConcurrency: number;
  readonly storageQueueLimit: number;
  readonly storageBreakerCooldownMs: number;
  readonly dataDir: string;
  readonly inventorySeedFile: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly shutdownTimeoutMs: number;
  readonly embeddedSynchronous: 'full' | 'normal';
  /** GET /metrics is served and requests are measured. */
  readonly metricsEnabled: boolean;
  /** With AUTH_TOKENS set, GET /metrics needs a token as well. */
  readonly metricsRequireAuth: boolean;
  /** PUT /orders/:id/status without If-Match is refused with 428. */
  readonly requireIfMatch: boolean;
  /** Bearer tokens from AUTH_TOKENS; AUTH_TOKENS_FILE adds the ones in that file at start-up. */
  readonly authTokens: readonly string[];
  readonly authTokensFile: string | undefined;
  /** Bearer tokens the write routes of /books need when set; ADMIN_TOKENS_FILE adds the ones in that file. */
  readonly adminTokens: readonly string[];
  readonly adminTokensFile: string | undefined;
  /** A pending order older than this is expired by recovery (POST /orders/batch-process, npm run settle). */
  readonly pendingOrderTimeoutSeconds: number;
  /** How far back recovery looks for released orders whose stock did not go back. */
  readonly releaseLookbackHours: number;
  /** How long an Idempotency-Key answers retries. */
  readonly idempotencyTtlHours: number;
  /** Most Idempotency-Key records kept in process memory, on backends without a store of their own. */
  readonly idempotencyMemoryMaxKeys: number;
  /** Required when backend is postgres; the decoder refuses a postgres config without it. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  /** The CloudEvents `source` of every event. */
  readonly eventsSource: string;
  /** Events are kept at least this long after they were published (or committed, without a broker). */
  readonly eventsRetentionHours: number;
  /** When set, events are relayed to NATS JetStream at this URL. */
  readonly eventsNatsUrl: string | undefined;
  readonly eventsNatsStream: string;
  readonly eventsNatsSubjectPrefix: string;
}

export const DEMO_CATALOG = fileURLToPath(new URL('./demo-catalog.json', import.meta.url));

/** A codec from an environment string, with the sentence that explains a refusal. */
const fromEnv = <A>(name: string, expected: string, parse: (raw: string) => A | undefined) =>
  new t.Type<A, string, unknown>(
    name,
    (u): u is A => u !== undefined,
    (u, c) => {
      const parsed = typeof u === 'string' ? parse(u.trim()) : undefined;
      return parsed === undefined ? t.failure(u, c, `expected ${expected}, got ${JSON.stringify(u)}`) : t.success(parsed);
    },
    String,
  );

const integer = (min: number, max: number) => (raw: string) =>
  /^\d+$/.test(raw) && +raw >= min && +raw <= max ? +raw : undefined;
const oneOf = <A extends string>(values: readonly A[]) => (raw: string) =>
  (values as readonly string[]).includes(raw.toLowerCase()) ? (raw.toLowerCase() as A) : undefined;
const nonEmpty = (raw: string) => (raw === '' ? undefined : raw);
const boolean = (raw: string) => ({ true: true, '1': true, false: false, '0': false })[raw.toLowerCase()];
/** Comma-separated bearer tokens, each at least 16 visible ASCII characters so none is guessable by accident. */
export const parseTokens = (raw: string) => {
  const tokens = raw.split(/[\s,]+/).filter(Boolean);
  return tokens.length && tokens.every((token) => /^[\x21-\x7e]{16,4096}$/.test(token)) ? tokens : undefined;
};
const natsUrl = (raw: string) => {
  const urls = raw.split(',').map((part) => part.trim());
  return urls.every((url) => URL.canParse(url) && ['nats:', 'tls:', 'ws:', 'wss:'].includes(new URL(url).protocol)) ? urls.join(',') : undefined;
};
/** A JetStream stream name: letters, digits, - and _ only. */
const streamName = (raw: string) => (/^[A-Za-z0-9_-]{1,64}$/.test(raw) ? raw : undefined);
/** Subject tokens separated by dots, no wildcards. */
const subjectPrefix = (raw: string) => (/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(raw) && raw.length <= 128 ? raw : undefined);
/** A URI-reference, as CloudEvents wants for `source`: no spaces or control characters. */
const uriReference = (raw: string) => (/^[\x21-\x7e]{1,256}$/.test(raw) ? raw : undefined);
const httpUrl = (raw: string) => {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
};

/** Comma-separated bearer tokens; a refusal never echoes them. */
const tokensFromEnv = (name: string) => new t.Type<readonly string[], string, unknown>(
  name,
  (u): u is readonly string[] => Array.isArray(u),
  (u, c) => {
    const tokens = typeof u === 'string' ? parseTokens(u) : undefined;
    return tokens ? t.success(tokens) : t.failure(u, c, 'expected comma-separated tokens of 16 or more visible characters (value not shown)');
  },
  (tokens) => tokens.join(','),
);

/** Like fromEnv, but a refusal never echoes the value: a database URL may carry a password. */
const postgresUrlFromEnv = new t.Type<string, string, unknown>(
  'DATABASE_URL',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    const raw = typeof u === 'string' ? u.trim() : '';
    const ok = URL.canParse(raw) && ['postgres:', 'postgresql:'].includes(new URL(raw).protocol);
    return ok ? t.success(raw) : t.failure(u, c, 'expected a postgres:// or postgresql:// URL (value not shown)');
  },
  String,
);

/** Every variable the service reads; anything else in the environment is ignored. */
export const ENV_CODECS = {
  PORT: fromEnv('PORT', 'a port number from 0 to 65535', integer(0, 65535)),
  SERVER_PORT: fromEnv('SERVER_PORT', 'a port number from 0 to 65535', integer(0, 65535)),
  HOST: fromEnv('HOST', 'a host name or address', nonEmpty),
  STORAGE_BACKEND: fromEnv('STORAGE_BACKEND', `one of ${STORAGE_BACKENDS.join(', ')}`, oneOf(STORAGE_BACKENDS)),
  STORAGE_SERVICE_URL: fromEnv('STORAGE_SERVICE_URL', 'an http(s) URL', httpUrl),
  STORAGE_TIMEOUT_MS: fromEnv('STORAGE_TIMEOUT_MS', 'milliseconds from 10 to 60000', integer(10, 60_000)),
  STORAGE_MAX_CONCURRENCY: fromEnv('STORAGE_MAX_CONCURRENCY', 'a whole number from 1 to 256', integer(1, 256)),
  STORAGE_QUEUE_LIMIT: fromEnv('STORAGE_QUEUE_LIMIT', 'a whole number from 0 to 100000', integer(0, 100_000)),
  STORAGE_BREAKER_COOLDOWN_MS: fromEnv('STORAGE_BREAKER_COOLDOWN_MS', 'milliseconds from 10 to 600000', integer(10, 600_000)),
  DATA_DIR: fromEnv('DATA_DIR', 'a directory path', nonEmpty),
  INVENTORY_SEED_FILE: fromEnv('INVENTORY_SEED_FILE', 'a file path', nonEmpty),
  LOG_LEVEL: fromEnv('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, oneOf(LOG_LEVELS)),
  REQUIRE_IF_MATCH: fromEnv('REQUIRE_IF_MATCH', 'true or false', boolean),
  AUTH_TOKENS: tokensFromEnv('AUTH_TOKENS'),
  AUTH_TOKENS_FILE: fromEnv('AUTH_TOKENS_FILE', 'a file path', nonEmpty),
  ADMIN_TOKENS: tokensFromEnv('ADMIN_TOKENS'),
  ADMIN_TOKENS_FILE: fromEnv('ADMIN_TOKENS_FILE', 'a file path', nonEmpty),
  PENDING_ORDER_TIMEOUT_SECONDS: fromEnv('PENDING_ORDER_TIMEOUT_SECONDS', 'seconds from 1 to 604800', integer(1, 604_800)),
  IDEMPOTENCY_TTL_HOURS: fromEnv('IDEMPOTENCY_TTL_HOURS', 'hours from 24 to 8760', integer(24, 8760)),
  IDEMPOTENCY_MEMORY_MAX_KEYS: fromEnv('IDEMPOTENCY_MEMORY_MAX_KEYS', 'a whole number from 100 to 10000000',
    integer(100, 10_000_000)),
  RELEASE_LOOKBACK_HOURS: fromEnv('RELEASE_LOOKBACK_HOURS', 'hours from 1 to 8760', integer(1, 8760)),
  SHUTDOWN_TIMEOUT_MS: fromEnv('SHUTDOWN_TIMEOUT_MS', 'milliseconds from 0 to 600000', integer(0, 600_000)),
  EMBEDDED_SYNCHRONOUS: fromEnv('EMBEDDED_SYNCHRONOUS', 'full or normal', oneOf(['full', 'normal'] as const)),
  METRICS_ENABLED: fromEnv('METRICS_ENABLED', 'true or false', boolean),
  METRICS_REQUIRE_AUTH: fromEnv('METRICS_REQUIRE_AUTH', 'true or false', boolean),
  DATABASE_URL: postgresUrlFromEnv,
  DATABASE_POOL_MAX: fromEnv('DATABASE_POOL_MAX', 'a whole number from 1 to 1000', integer(1, 1000)),
  DATABASE_CONNECT_TIMEOUT_MS: fromEnv('DATABASE_CONNECT_TIMEOUT_MS', 'milliseconds from 100 to 60000', integer(100, 60_000)),
  DATABASE_STATEMENT_TIMEOUT_MS: fromEnv('DATABASE_STATEMENT_TIMEOUT_MS', 'milliseconds from 100 to 600000', integer(100, 600_000)),
  EVENTS_SOURCE: fromEnv('EVENTS_SOURCE', 'a URI reference such as /avakart/order-service', uriReference),
  EVENTS_RETENTION_HOURS: fromEnv('EVENTS_RETENTION_HOURS', 'hours from 1 to 87600', integer(1, 87_600)),
  EVENTS_NATS_URL: fromEnv('EVENTS_NATS_URL', 'nats:// URLs, comma-separated', natsUrl),
  EVENTS_NATS_STREAM: fromEnv('EVENTS_NATS_STREAM', 'a stream name of letters, digits, - and _', streamName),
  EVENTS_NATS_SUBJECT_PREFIX: fromEnv('EVENTS_NATS_SUBJECT_PREFIX', 'subject tokens separated by dots, no wildcards', subjectPrefix),
} as const;

export type EnvName = keyof typeof ENV_CODECS;

const Env = t.partial(ENV_CODECS);

/** Decodes the environment; Left holds one line per offending variable, each naming it. */
export function decodeConfig(env: Readonly<Record<string, string | undefined>>): E.Either<string[], Config> {
  const present = Object.fromEntries(
    Object.keys(ENV_CODECS).filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  return pipe(
    Env.decode(present),
    E.mapLeft((errors) => errors.map((e) => `${e.context[1]?.key ?? 'environment'}: ${e.message ?? 'invalid'}`)),
    E.chain((v) =>
      v.PORT !== undefined && v.SERVER_PORT !== undefined && v.PORT !== v.SERVER_PORT
        ? E.left([`PORT (${v.PORT}) and SERVER_PORT (${v.SERVER_PORT}) are the same setting and disagree`])
        : E.right(v),
    ),
    E.chain((v) =>
      v.STORAGE_BACKEND === 'postgres' && v.DATABASE_URL === undefined
        ? E.left(['DATABASE_URL: required when STORAGE_BACKEND is postgres'])
        : E.right(v),
    ),
    E.map((v) => ({
      port: v.PORT ?? v.SERVER_PORT ?? 8082,
      host: v.HOST ?? '0.0.0.0',
      backend: v.STORAGE_BACKEND ?? (v.STORAGE_SERVICE_URL ? 'storage-service' : 'embedded'),
      storageServiceUrl: v.STORAGE_SERVICE_URL ?? 'http://localhost:8083',
      storageTimeoutMs: v.STORAGE_TIMEOUT_MS ?? 2_000,
      storageMaxConcurrency: v.STORAGE_MAX_CONCURRENCY ?? 1,
      storageQueueLimit: v.STORAGE_QUEUE_LIMIT ?? 256,
      storageBreakerCooldownMs: v.STORAGE_BREAKER_COOLDOWN_MS ?? 5_000,
      dataDir: v.DATA_DIR ?? './data',
      inventorySeedFile: v.INVENTORY_SEED_FILE ?? DEMO_CATALOG,
      logLevel: v.LOG_LEVEL ?? 'info',
      shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS ?? 10_000,
      embeddedSynchronous: v.EMBEDDED_SYNCHRONOUS ?? 'full',
      metricsEnabled: v.METRICS_ENABLED ?? true,
      metricsRequireAuth: v.METRICS_REQUIRE_AUTH ?? false,
      requireIfMatch: v.REQUIRE_IF_MATCH ?? false,
      authTokens: v.AUTH_TOKENS ?? [],
      authTokensFile: v.AUTH_TOKENS_FILE,
      adminTokens: v.ADMIN_TOKENS ?? [],
      adminTokensFile: v.ADMIN_TOKENS_FILE,
      pendingOrderTimeoutSeconds: v.PENDING_ORDER_TIMEOUT_SECONDS ?? 300,
      releaseLookbackHours: v.RELEASE_LOOKBACK_HOURS ?? 24,
      idempotencyTtlHours: v.IDEMPOTENCY_TTL_HOURS ?? 24,
      idempotencyMemoryMaxKeys: v.IDEMPOTENCY_MEMORY_MAX_KEYS ?? 20_000,
      databaseUrl: v.DATABASE_URL,
      databasePoolMax: v.DATABASE_POOL_MAX ?? 10,
      databaseConnectTimeoutMs: v.DATABASE_CONNECT_TIMEOUT_MS ?? 2_000,
      databaseStatementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS ?? 5_000,
      eventsSource: v.EVENTS_SOURCE ?? DEFAULT_EVENTS_SOURCE,
      eventsRetentionHours: v.EVENTS_RETENTION_HOURS ?? 168,
      eventsNatsUrl: v.EVENTS_NATS_URL,
      eventsNatsStream: v.EVENTS_NATS_STREAM ?? 'AVAKART_EVENTS',
      eventsNatsSubjectPrefix: v.EVENTS_NATS_SUBJECT_PREFIX ?? 'avakart',
    })),
  );
}
