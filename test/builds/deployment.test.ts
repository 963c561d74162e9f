import { join } from 'node:path';
import type { RunningService } from '../../src/infrastructure/server.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';
import { parseDockerfile } from './dockerfile.js';
import { ROOT, container, containerEnv, decoded, exampleSecret, one, podSpec, read, variants } from './manifests.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const base = variants.base!;
const deployment = one(base, 'Deployment');
const app = container(base);
const probes = () => [app.startupProbe, app.livenessProbe, app.readinessProbe];
const portOf = (name: string | number) => (typeof name === 'number' ? name : app.ports.find((p: any) => p.name === name)?.containerPort);

const sharesItsStore = (variant: string) => decoded(containerEnv(variants[variant]!)).backend === 'postgres';
const replicasOf = (variant: string) => {
  const resources = variants[variant]!;
  return {
    spec: one(resources, 'Deployment').spec,
    budget: one(resources, 'PodDisruptionBudget').spec,
    autoscalers: resources.filter((r) => r.kind === 'HorizontalPodAutoscaler').map((r) => r.spec),
  };
};

describe('replicas', () => {
  it('are decided for every variant: the backend says whether replicas may share the store', () => {
    expect(Object.keys(variants).map(sharesItsStore)).toEqual([false, true, false]);
  });

  // The storage API has no compare-and-set: a second process, even for the length of a rolling update, oversells.
  it.each(Object.keys(variants).filter((v) => !sharesItsStore(v)))('are one writer per store in %s: replaced, never rolled', (variant) => {
    const { spec, budget, autoscalers } = replicasOf(variant);
    expect([spec.replicas, spec.strategy, autoscalers]).toEqual([1, { type: 'Recreate' }, []]);
    expect(budget).toMatchObject({ maxUnavailable: 1 });
  });

  it.each(Object.keys(variants).filter(sharesItsStore))('are 2 or more in %s, rolled without losing capacity, one kept through disruptions', (variant) => {
    const { spec, budget, autoscalers } = replicasOf(variant);
    expect(spec.replicas).toBe(2);
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect([budget.minAvailable, budget.maxUnavailable]).toEqual([1, undefined]);
    expect(autoscalers.map((a) => [a.minReplicas, a.maxReplicas > a.minReplicas])).toEqual([[spec.replicas, true]]);
  });
});

describe('the Deployment', () => {
  it('runs as uid 1000, unprivileged, on a read-only root filesystem, without a service-account token', () => {
    expect(podSpec(base).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
    expect(app.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(podSpec(base).automountServiceAccountToken).toBe(false);
    expect(one(base, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(podSpec(base).enableServiceLinks).toBe(false);
  });

  it('requests 100m/128Mi and is limited to 200m/256Mi', () => {
    expect(app.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
  });

  // The storage-service backend's local outbox and stock intents must outlive the pod; on PostgreSQL DATA_DIR holds
  // nothing, and replicas could not share one claim.
  it.each(Object.keys(variants))('writes only to DATA_DIR and /tmp in %s, DATA_DIR kept across pods unless the store is shared', (variant) => {
    const resources = variants[variant]!;
    const volumes = Object.fromEntries(podSpec(resources).volumes.map((v: any) => [v.name, v]));
    const mounts = container(resources).volumeMounts;
    const writable = Object.fromEntries(mounts.filter((m: any) => !m.readOnly).map((m: any) => [m.mountPath, volumes[m.name]]));
    const dataDir = decoded(containerEnv(resources)).dataDir;
    expect(Object.keys(writable).sort()).toEqual([dataDir, '/tmp'].sort());
    expect(writable['/tmp'].emptyDir).toBeDefined();
    const claims = resources.filter((r) => r.kind === 'PersistentVolumeClaim');
    if (sharesItsStore(variant)) {
      expect([writable[dataDir].emptyDir, claims]).toEqual([expect.anything(), []]);
    } else {
      const claim = one(resources, 'PersistentVolumeClaim');
      expect(writable[dataDir].persistentVolumeClaim).toEqual({ claimName: claim.metadata.name });
      expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    }
  });

  it('probes the three health routes on the port the service listens on', () => {
    expect(probes().map((p) => p.httpGet.path)).toEqual(['/health/startup', '/health/live', '/health/ready']);
    const listening = decoded(containerEnv(base)).port;
    for (const probe of probes()) expect(portOf(probe.httpGet.port)).toBe(listening);
    const service = one(base, 'Service').spec.ports[0];
    expect([service.port, portOf(service.targetPort)]).toEqual([listening, listening]);
  });

  it('gives a readiness probe more time than the route gives the storage backend (2 s)', () => {
    expect(app.readinessProbe.timeoutSeconds).toBeGreaterThan(2);
  });

  it('waits for endpoints to drain, then gives the service its whole shutdown timeout before SIGKILL', () => {
    const command = app.lifecycle.preStop.exec.command;
    expect(command).toEqual(['sleep', expect.stringMatching(/^\d+$/)]);
    const drainSeconds = decoded(containerEnv(base)).shutdownTimeoutMs / 1000;
    expect(Number(command[1])).toBeGreaterThanOrEqual(3);
    expect(podSpec(base).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(command[1]) + drainSeconds + 2);
  });

  it('runs the image the Dockerfile builds, a Debian one, so the preStop sleep exists', () => {
    const dockerfile = join(ROOT, 'builds/dockerfiles/Dockerfile.order-processing');
    const tag = /docker build -f \S+ -t (\S+) \./.exec(read(dockerfile))?.[1];
    expect(app.image).toBe(`${tag}:0.1.0`);
    expect(parseDockerfile(dockerfile).stages.at(-1)!.from).toMatch(/^node:24-bookworm-slim$/);
  });
});

describe('the NetworkPolicy', () => {
  const policy = one(base, 'NetworkPolicy', 'order-processing').spec;
  const config = decoded(containerEnv(base));

  it('lets in the Books service and the recovery job only, on the service port', () => {
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toEqual([{
      from: [
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'books' } } },
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'order-processing-settle' } } },
      ],
      ports: [{ protocol: 'TCP', port: config.port }],
    }]);
  });

  it('lets out the storage service (on the port of STORAGE_SERVICE_URL), PostgreSQL and DNS, nothing else', () => {
    const ports = policy.egress.flatMap((rule: any) => rule.ports.map((p: any) => `${p.protocol}/${p.port}`)).sort();
    const databasePort = new URL(exampleSecret.stringData.DATABASE_URL).port;
    expect(ports).toEqual([`TCP/${new URL(config.storageServiceUrl).port}`, `TCP/${databasePort}`, 'TCP/53', 'UDP/53'].sort());
  });
});

describe('against the real service', () => {
  const dir = tempDir();
  let service: RunningService;
  beforeAll(async () => {
    const { SERVER_PORT: _, ...env } = containerEnv(base);
    service = await startTestService({ ...env, STORAGE_BACKEND: 'memory', DATA_DIR: dir.path, HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it.each(probes().map((p) => [p.httpGet.path]))('the probe path %s answers 200', async (path) => {
    expect((await request(service.url, 'GET', path)).status).toBe(200);
  });

  it('runs the recovery job against the Service, on a route the service answers 200', async () => {
    const job = one(base, 'CronJob').spec;
    const pod = job.jobTemplate.spec.template.spec;
    const [settle] = pod.containers;
    expect(job.concurrencyPolicy).toBe('Forbid');
    expect(settle.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(settle.image).toBe(app.image);
    const [, url, body] = /fetch\('([^']+)', \{method: 'POST',\s*headers: \{'content-type': 'application\/json'\}, body: '([^']+)'/.exec(settle.command.join(' '))!;
    const target = new URL(url!);
    const svc = one(base, 'Service').spec;
    expect([target.hostname, Number(target.port)]).toEqual([one(base, 'Service').metadata.name, svc.ports[0].port]);
    const answer = await request(service.url, 'POST', target.pathname, JSON.parse(body!));
    expect([answer.status, answer.body.processed_count]).toEqual([200, 0]);
  });

  it('serves the scrape path the prometheus-scrape component announces', async () => {
    const annotations = one(variants['base + prometheus-scrape']!, 'Deployment').spec.template.metadata.annotations;
    expect(Number(annotations['prometheus.io/port'])).toBe(decoded(containerEnv(base)).port);
    const scraped = await request(service.url, 'GET', annotations['prometheus.io/path']);
    expect([scraped.status, scraped.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/plain; version=0\.0\.4/)]);
  });
});
