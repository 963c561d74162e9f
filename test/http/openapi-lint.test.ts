import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningService } from '../../src/infrastructure/server.js';
import { tempDir } from '../support/temp-dir.js';
import { request, startTestService } from '../support/test-service.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** `redocly lint` with the repository's redocly.yaml, as a developer runs it; it exits 1 when it finds errors. */
function lint(document: unknown, dir: string): Promise<LintReport> {
  const file = join(dir, `openapi-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const args = [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'];
  return new Promise((done, failed) => execFile(process.execPath, args, { env, cwd: dir }, (error, stdout, stderr) => {
    try {
      done(JSON.parse(stdout) as LintReport);
    } catch {
      failed(new Error(`redocly lint gave no report (${error?.message ?? 'exit 0'}):\n${stdout}\n${stderr}`));
    }
  }));
}

const findings = (report: LintReport) =>
  report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);

/** Two templates with a method in common that one URL can match, neither more specific at every segment. */
function ambiguousPairs(paths: Record<string, any>): string[] {
  const segments = (path: string) => path.split('/').map((s) => (s.startsWith('{') ? null : s));
  const entries = Object.keys(paths);
  return entries.flatMap((a, i) => entries.slice(i + 1).flatMap((b) => {
    const [sa, sb] = [segments(a), segments(b)];
    if (sa.length !== sb.length || !METHODS.some((m) => paths[a][m] && paths[b][m])) return [];
    if (sa.some((s, k) => s !== null && sb[k] !== null && s !== sb[k])) return [];
    const aMoreLiteral = sa.some((s, k) => s !== null && sb[k] === null);
    const bMoreLiteral = sb.some((s, k) => s !== null && sa[k] === null);
    return aMoreLiteral && bMoreLiteral ? [`${a} and ${b}`] : [];
  }));
}

describe('the OpenAPI document the service serves', () => {
  const dir = tempDir('openapi-lint-');
  let service: RunningService;
  let served: any;
  beforeAll(async () => {
    service = await startTestService();
    served = (await request(service.url, 'GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await service.stop();
    dir.remove();
  });

  it('passes redocly lint with the recommended ruleset: no error, no warning', async () => {
    const report = await lint(served, dir.path);
    expect(findings(report)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('fails the lint when an operation loses its summary, security or client errors', async () => {
    const broken = structuredClone(served);
    const { summary: _, security: __, ...getOrder } = broken.paths['/orders/{id}'].get;
    broken.paths['/orders/{id}'].get = { ...getOrder, responses: { 200: getOrder.responses['200'] } };
    const rules = (await lint(broken, dir.path)).problems.map((p) => p.ruleId).sort();
    expect(rules).toEqual(['operation-4xx-response', 'operation-summary', 'security-defined']);
  });

  // redocly.yaml turns no-ambiguous-paths off, as it ignores methods; this is the check it stands for.
  it('has no two paths that one request with one method could both match', () => {
    expect(ambiguousPairs(served.paths)).toEqual([]);
    expect(ambiguousPairs({ '/a/{x}': { get: {} }, '/{y}/b': { get: {} } })).toEqual(['/a/{x} and /{y}/b']);
    expect(ambiguousPairs({ '/a/{x}': { get: {} }, '/{y}/b': { put: {} }, '/a/b': { get: {} } })).toEqual([]);
  });
});
