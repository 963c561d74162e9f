import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS } from '../../src/adapters/outbound/postgres/postgres-migrations.js';
import { MAIN } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-database.js';

const MIGRATE = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/infrastructure/migrate.js');

/** Runs a compiled entry point to its end. */
function run(script: string, env: Record<string, string>) {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('npm run migrate (dist/infrastructure/migrate.js)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('migrates an empty database, then finds nothing to do', async () => {
    expect(await run(MIGRATE, { DATABASE_URL: database.url })).toEqual({
      code: 0, stdout: `order-service migrate: schema migrated from version 0 to ${MIGRATIONS.length}\n`, stderr: '',
    });
    expect(await run(MIGRATE, { DATABASE_URL: database.url })).toEqual({
      code: 0, stdout: `order-service migrate: schema already at version ${MIGRATIONS.length}\n`, stderr: '',
    });
  });

  it('exits 1 with one line saying why when it cannot migrate', async () => {
    const unreachable = await run(MIGRATE, { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/none' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^order-service migrate: failed: cannot reach PostgreSQL to migrate: ECONNREFUSED.*\n$/);
    expect(unreachable.stderr).not.toContain('secret');

    expect(await run(MIGRATE, {})).toMatchObject({ code: 1, stderr: 'order-service migrate: DATABASE_URL: required to migrate\n' });
    const invalid = await run(MIGRATE, { DATABASE_URL: 'mysql://root:secret@db/x' });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(invalid.stderr).not.toContain('secret');
  });

  it('refuses to start the service on postgres without DATABASE_URL, naming it', async () => {
    const started = await run(MAIN, { STORAGE_BACKEND: 'postgres' });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain('DATABASE_URL: required when STORAGE_BACKEND is postgres');
  });
});
