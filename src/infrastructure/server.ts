import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHttpApp } from '../adapters/inbound/http/http-app.js';
import { ServiceMetrics } from '../adapters/inbound/http/metrics.js';
import { readSeedFile } from '../adapters/outbound/catalog/seed-file.js';
import { MemoryIdempotencyStore } from '../adapters/outbound/memory/memory-idempotency-store.adapter.js';
import type { StorageBackend } from '../adapters/outbound/storage-backend.js';
import { measuredBackend } from '../adapters/outbound/storage-metrics.js';
import type { Config } from './config.js';
import { buildContainer, resolveUseCases, settlementPolicy, TOKENS, type ContainerOverrides } from './container.js';
import { installTracing, NO_TRACING } from '../adapters/tracing.js';
import { startOpenTelemetry, tracingRequested } from './opentelemetry.js';
import { startEvents, type EventRelayTuning, type EventsRunning } from './event-relay.js';
import { inFlightWork } from './in-flight-work.js';
import { createLogger, requestLogger, type Logger } from './logger.js';
import { loadAdminTokens, loadAuthTokens } from './auth-tokens.js';
import { openStorageBackend } from './storage-backends.js';

export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly backend: StorageBackend;
  /**
   * Stops accepting, lets in-flight requests finish and then every use case still running, those whose client went
   * away included (all within the shutdown timeout), then closes the store.
   */
  stop(): Promise<void>;
}

export interface StartOptions extends ContainerOverrides {
  readonly logger?: Logger;
  /** Use this backend instead of opening the configured one (tests). */
  readonly backend?: StorageBackend;
  /** Timings of the event relay (tests). */
  readonly relay?: EventRelayTuning;
  /** The relay thread's module, when not the compiled one next to this file (tests run from the sources). */
  readonly relayWorker?: URL;
}

export async function startService(config: Config, options: StartOptions = {}): Promise<RunningService> {
  const log = options.logger ?? createLogger(config.logLevel);
  let started = false;
  let shuttingDown = false;

  // Before the store opens, so its spans have a tracer. Nothing of OpenTelemetry is loaded unless asked for.
  const telemetry = tracingRequested(process.env) ? await startOpenTelemetry(process.env) : undefined;
  if (telemetry) {
    installTracing(telemetry.tracing);
    log.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing on');
  }
  const backend = options.backend ?? (await openStorageBackend(config));
  log.info({ backend: backend.name }, 'storage backend opened');
  if (!backend.idempotency) {
    log.warn({ backend: backend.name, maxKeys: config.idempotencyMemoryMaxKeys }, 'idempotency keys are kept in this process only');
  }
  const metrics = config.metricsEnabled ? new ServiceMetrics() : undefined;
  const container = buildContainer(metrics ? measuredBackend(backend, metrics.storageFor(backend.name)) : backend, {
    settlement: settlementPolicy(config),
    ...options,
  });
  // Counted so that stop closes the store only once the work that needs it is done.
  const work = inFlightWork();
  const app = buildHttpApp({
    useCases: work.useCases(resolveUseCases(container)),
    log: requestLogger(log),
    requireIfMatch: config.requireIfMatch,
    authTokens: await loadAuthTokens(config),
    adminTokens: await loadAdminTokens(config),
    metricsRequireAuth: config.metricsRequireAuth,
    idempotency: {
      store: work.idempotencyStore(backend.idempotency ?? new MemoryIdempotencyStore(config.idempotencyMemoryMaxKeys)),
      policy: { ttlMs: config.idempotencyTtlHours * 3_600_000, abandonAfterMs: 60_000 },
    },
    metrics,
    asyncApi: { stream: config.eventsNatsStream, subjectPrefix: config.eventsNatsSubjectPrefix },
    health: {
      isStarted: () => started,
      isShuttingDown: () => shuttingDown,
      checkBackend: () => backend.check(),
    },
  });

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, app.callback());
  let events: EventsRunning | undefined;
  try {
    // Retention always; the relay when a broker is configured. Neither waits for NATS, nor can NATS fail readiness.
    // Started before the catalog is seeded, so that the relay times the seed's events from their commits too.
    events = await startEvents(config, backend.events, container.get(TOKENS.Clock), log, metrics, options.relay, options.relayWorker);
    if (backend.catalog) {
      const outcome = await backend.catalog.seed(await readSeedFile(config.inventorySeedFile));
      log.info({ file: config.inventorySeedFile, ...outcome }, 'catalog seeded');
    }
    await listen(server, config.port, config.host);
  } catch (error) {
    await events?.stop();
    await backend.close();
    throw error;
  }
  started = true;
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: config.host, backend: backend.name }, 'order service listening');
  log.flush(); // whoever waits for this line (an orchestrator's log, a test) should not wait for 4 KiB more

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      shuttingDown = true;
      const deadline = Date.now() + config.shutdownTimeoutMs;
      await closeServer(server, config.shutdownTimeoutMs);
      if (!(await work.drain(Math.max(0, deadline - Date.now())))) {
        log.warn({ running: work.running(), timeoutMs: config.shutdownTimeoutMs }, 'closing the store under running use cases');
      }
      await events?.stop(); // before the store closes: the relay marks what the broker acknowledged
      await backend.close();
      await container.unbindAllAsync();
      if (telemetry) {
        await telemetry.shutdown().catch((error: unknown) => log.warn({ err: error }, 'could not export the last spans'));
        installTracing(NO_TRACING);
      }
      log.info({}, 'order service stopped');
    })();
    return stopping;
  };
  return { url: `http://127.0.0.1:${port}`, port, backend, stop };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes idle keep-alive connections now and busy ones after their response; cuts what is left at the deadline. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
