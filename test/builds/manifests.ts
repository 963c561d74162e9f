import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { fileURLToPath } from 'node:url';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { decodeConfig, type Config } from '../../src/infrastructure/config.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const K8S = join(ROOT, 'builds/deployments/k8s');

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Resource = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };

/** The model that validates each kind we ship, from the Kubernetes OpenAPI schemas packaged by kubernetes-models. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** Throws with the schema's complaint, or when the kind is one we have no schema for. */
export function validateResource(resource: Resource): void {
  const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
  if (!Model) throw new Error(`no schema for ${resource.apiVersion} ${resource.kind}`);
  new Model(resource).validate();
}

export function parseYaml(text: string, source: string): Resource[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length) throw new Error(`${source}: ${document.errors[0]!.message}`);
    return document.toJS() as Resource;
  }).filter(Boolean);
}

export function yamlFiles(dir = K8S): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

/** `kubectl kustomize` (kustomize is built into kubectl): renders offline, exactly as `apply -k` would. */
export function kustomize(dir: string): Resource[] {
  try {
    const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return parseYaml(output, `kustomize ${dir}`);
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    throw new Error(code === 'ENOENT' ? 'kubectl is not on PATH: it renders the kustomizations' : `kustomize ${dir}: ${stderr}`);
  }
}

/** Renders a throw-away overlay over `base` with `components` (kustomize refuses absolute paths: made relative). */
export function kustomizeWith(base: string, components: string[]): Resource[] {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-'));
  try {
    const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', `  - ${relative(dir, base)}`,
      'components:', ...components.map((c) => `  - ${relative(dir, c)}`)];
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const one = (resources: Resource[], kind: string, name?: string): Resource => {
  const found = resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
};

export const read = (path: string) => readFileSync(path, 'utf8');

export const BASE = join(K8S, 'order-processing');
export const POSTGRES = join(K8S, 'order-processing-postgres');
export const PROMETHEUS = join(BASE, 'components/prometheus-scrape');
export const EXAMPLE_SECRET = join(POSTGRES, 'secret.example.yaml');
export const exampleSecret = parseYaml(read(EXAMPLE_SECRET), EXAMPLE_SECRET)[0]!;

/** What `apply -k` would send, for each way we ship: rendered once per test file. */
export const variants: Record<string, Resource[]> = {
  base: kustomize(BASE),
  postgres: kustomize(POSTGRES),
  'base + prometheus-scrape': kustomizeWith(BASE, [PROMETHEUS]),
};

export const podSpec = (resources: Resource[]) => one(resources, 'Deployment').spec.template.spec;
export const container = (resources: Resource[]) => podSpec(resources).containers[0];

/** The environment the container starts with: its ConfigMaps, then its own env (secrets from the example). */
export function containerEnv(resources: Resource[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container(resources).envFrom ?? []) {
    Object.assign(env, one(resources, 'ConfigMap', source.configMapRef.name).data);
  }
  for (const entry of container(resources).env ?? []) {
    const secret = entry.valueFrom?.secretKeyRef;
    env[entry.name] = entry.value ?? (secret && secret.name === exampleSecret.metadata.name ? exampleSecret.stringData[secret.key] : undefined);
  }
  return env;
}

export function decoded(env: Record<string, string>): Config {
  const result = decodeConfig(env);
  if (E.isLeft(result)) throw new Error(result.left.join('\n'));
  return result.right;
}

