import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module specifier a TypeScript source imports or re-exports, static or dynamic. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

type Layer = 'domain' | 'application' | 'adapters' | 'infrastructure';

/** What each inner layer may import besides itself: the rule, stated once. */
const MAY_IMPORT: Record<'domain' | 'application', { layers: Layer[]; packages: RegExp }> = {
  domain: { layers: [], packages: /^fp-ts\/lib\// },
  application: { layers: ['domain'], packages: /^fp-ts\/lib\// },
};

/** The violations in one file of `layer`: imports of an outer layer, or of any package but the allowed ones. */
export function violations(layer: 'domain' | 'application', file: string, source: string): string[] {
  const rule = MAY_IMPORT[layer];
  return importsOf(source).flatMap((specifier) => {
    if (!specifier.startsWith('.')) return rule.packages.test(specifier) ? [] : [`${file} imports package ${specifier}`];
    const target = relative(SRC, resolve(dirname(join(SRC, file)), specifier)).split(/[\\/]/)[0] as Layer;
    return target === layer || rule.layers.includes(target) ? [] : [`${file} imports ${target} (${specifier})`];
  });
}

const filesOf = (dir: string): string[] =>
  readdirSync(join(SRC, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

describe('dependency rule', () => {
  it.each(['domain', 'application'] as const)('%s imports only inward, and no framework', (layer) => {
    const files = filesOf(layer);
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((file) => violations(layer, file, readFileSync(join(SRC, file), 'utf8')))).toEqual([]);
  });

  it('catches the violations it is meant to catch', () => {
    const bad = [
      "import Koa from 'koa';",
      "import * as t from 'io-ts';",
      "import { x } from '../adapters/outbound/memory/memory.backend.js';",
      "export { y } from '../infrastructure/config.js';",
      "const z = await import('pg');",
      "import 'reflect-metadata';",
    ].join('\n');
    expect(violations('domain', 'domain/order.ts', bad)).toHaveLength(6);
    expect(violations('domain', 'domain/order.ts', "import { a } from '../application/dependency-failure.js';")).toHaveLength(1);
    expect(violations('application', 'application/x.ts', "import { a } from '../adapters/inbound/http/http-app.js';")).toHaveLength(1);
    expect(violations('application', 'application/x.ts', "import { Order } from '../domain/order.js';")).toEqual([]);
  });
});
