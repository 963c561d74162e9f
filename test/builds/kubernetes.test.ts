import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { readSeedFile } from '../../src/adapters/outbound/catalog/seed-file.js';
import { ENV_CODECS } from '../../src/infrastructure/config.js';
import {
  BASE, EXAMPLE_SECRET, POSTGRES, container, containerEnv, decoded, exampleSecret, kustomizeWith, one, parseYaml, read, validateResource,
  variants, yamlFiles, type Resource,
} from './manifests.js';

const NATS_EVENTS = join(BASE, 'components/nats-events');
/** The shipped variants, and each with the NATS relay switched on. */
const withEvents: Record<string, Resource[]> = {
  ...variants,
  'base + nats-events': kustomizeWith(BASE, [NATS_EVENTS]),
  'postgres + nats-events': kustomizeWith(POSTGRES, [NATS_EVENTS]),
};

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('manifest files', () => {
  const kustomizations = yamlFiles().filter((file) => /kustomization\.yaml$/.test(file));
  const listed = new Set(kustomizations.flatMap((file) => {
    const k = parse(read(file));
    const entries = [...(k.resources ?? []), ...(k.components ?? []), ...(k.patches ?? []).map((p: any) => p.path),
      ...(k.configMapGenerator ?? []).flatMap((g: any) => g.files ?? [])];
    return entries.map((entry: string) => join(dirname(file), entry));
  }));
  const patches = new Set(kustomizations.flatMap((file) =>
    (parse(read(file)).patches ?? []).map((p: any) => join(dirname(file), p.path))));

  it.each(yamlFiles().filter((f) => !/kustomization\.yaml$/.test(f)))('%s is listed by a kustomization, or is the secret example', (file) => {
    expect(listed.has(file) || file === EXAMPLE_SECRET).toBe(true);
  });

  it.each(yamlFiles().filter((f) => !/kustomization\.yaml$/.test(f) && !patches.has(f)))('%s is valid against the Kubernetes schemas', (file) => {
    const resources = parseYaml(read(file), file);
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) validateResource(resource);
  });

  it('the secret example holds a placeholder, not a credential', () => {
    expect(exampleSecret.stringData.DATABASE_URL).toMatch(/CHANGE-ME/);
  });
});

describe.each(Object.keys(withEvents))('rendered with kubectl kustomize: %s', (variant) => {
  const resources = withEvents[variant]!;
  const pod = () => one(resources, 'Deployment').spec.template;

  it('validates against the Kubernetes schemas', () => {
    expect(resources.map((r) => r.kind).sort()).toEqual(expect.arrayContaining(
      ['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']));
    for (const resource of resources) validateResource(resource);
  });

  it('names only variables the config decoder knows, with values it accepts', () => {
    const env = containerEnv(resources);
    expect(Object.keys(env).filter((name) => !(name in ENV_CODECS))).toEqual([]);
    expect(Object.values(env).every((value) => typeof value === 'string')).toBe(true);
    expect(decoded(env).port).toBe(8082);
  });

  it('refers only to objects it ships (or, for the Secret, documents)', () => {
    const spec = pod().spec;
    expect(one(resources, 'ServiceAccount', spec.serviceAccountName)).toBeDefined();
    for (const volume of spec.volumes.filter((v: any) => v.configMap)) expect(one(resources, 'ConfigMap', volume.configMap.name)).toBeDefined();
    for (const entry of container(resources).env ?? []) {
      const ref = entry.valueFrom.secretKeyRef;
      expect([ref.name, ref.key in exampleSecret.stringData]).toEqual([exampleSecret.metadata.name, true]);
    }
    const mounted = new Set(container(resources).volumeMounts.map((m: any) => m.name));
    expect(new Set(spec.volumes.map((v: any) => v.name))).toEqual(mounted);
  });

  it('selects the pods it means to', () => {
    const labels = pod().metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(selects(one(resources, 'Deployment').spec.selector.matchLabels)).toBe(true);
    expect(selects(one(resources, 'Service').spec.selector)).toBe(true);
    expect(selects(one(resources, 'PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
    for (const policy of resources.filter((r) => r.kind === 'NetworkPolicy')) expect(selects(policy.spec.podSelector.matchLabels)).toBe(true);
    for (const hpa of resources.filter((r) => r.kind === 'HorizontalPodAutoscaler')) {
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: one(resources, 'Deployment').metadata.name });
    }
  });

  it('seeds from a catalog file the service can read, when it names one', async () => {
    const seedFile = containerEnv(resources).INVENTORY_SEED_FILE;
    if (!variant.startsWith('postgres')) return expect(seedFile).toBeUndefined();
    const mount = container(resources).volumeMounts.find((m: any) => seedFile!.startsWith(`${m.mountPath}/`));
    expect(mount).toBeDefined();
    expect(await readSeedFile(join(POSTGRES, seedFile!.slice(mount.mountPath.length + 1)))).toEqual([]);
  });
});

describe('the PostgreSQL variant', () => {
  it('uses the postgres backend with DATABASE_URL from a Secret, and drops the storage-service settings', () => {
    const env = containerEnv(variants.postgres!);
    expect(decoded(env)).toMatchObject({ backend: 'postgres', databaseUrl: exampleSecret.stringData.DATABASE_URL });
    expect(Object.keys(env).filter((name) => name.startsWith('STORAGE_') && name !== 'STORAGE_BACKEND')).toEqual([]);
    expect(one(variants.postgres!, 'ConfigMap', 'order-processing').data.DATABASE_URL).toBeUndefined();
  });

  it('keeps the pool of every replica the autoscaler may start under max_connections (100)', () => {
    const { databasePoolMax } = decoded(containerEnv(variants.postgres!));
    expect(databasePoolMax * one(variants.postgres!, 'HorizontalPodAutoscaler').spec.maxReplicas).toBeLessThan(100);
  });
});

describe('order events', () => {
  const egressPorts = (resources: Resource[]) => resources.filter((r) => r.kind === 'NetworkPolicy')
    .flatMap((policy) => policy.spec.egress ?? []).flatMap((rule: any) => rule.ports ?? []).map((p: any) => `${p.protocol}/${p.port}`);

  it.each(Object.keys(variants))('are served by the feed alone in %s: no broker URL, no egress to NATS', (variant) => {
    const config = decoded(containerEnv(variants[variant]!));
    expect(config).toMatchObject({ eventsNatsUrl: undefined, eventsNatsStream: 'AVAKART_EVENTS', eventsNatsSubjectPrefix: 'avakart', eventsRetentionHours: 168 });
    expect(egressPorts(variants[variant]!)).not.toContain('TCP/4222');
  });

  it.each(['base + nats-events', 'postgres + nats-events'])('are relayed to NATS with %s, and only NATS on 4222 is opened for it', (variant) => {
    const resources = withEvents[variant]!;
    expect(decoded(containerEnv(resources)).eventsNatsUrl).toBe('nats://nats:4222');
    const policy = one(resources, 'NetworkPolicy', 'order-processing-nats');
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.egress).toEqual([{
      to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } } }],
      ports: [{ protocol: 'TCP', port: 4222 }],
    }]);
    // Everything else is as without the component.
    const plain = variants[variant.split(' ')[0]!]!;
    const names = (list: Resource[]) => list.map((r) => `${r.kind}/${r.metadata.name}`).sort();
    expect(names(resources)).toEqual([...names(plain), 'NetworkPolicy/order-processing-nats'].sort());
  });
});
