import * as E from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../../src/infrastructure/config.js';
import { postgresOptions } from '../../src/infrastructure/storage-backends.js';

const refusal = (env: Record<string, string>) => {
  const result = decodeConfig(env);
  return E.isLeft(result) ? result.left : [];
};

describe('PostgreSQL configuration', () => {
  it('reads DATABASE_URL and the pool settings, with defaults', () => {
    const config = decodeConfig({ STORAGE_BACKEND: 'postgres', DATABASE_URL: 'postgresql://app:pw@db:5432/orders' });
    expect(E.isRight(config) && postgresOptions(config.right)).toEqual({
      url: 'postgresql://app:pw@db:5432/orders', poolMax: 10, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000,
    });
    const tuned = decodeConfig({
      STORAGE_BACKEND: 'postgres', DATABASE_URL: 'postgres://db/orders',
      DATABASE_POOL_MAX: '4', DATABASE_CONNECT_TIMEOUT_MS: '750', DATABASE_STATEMENT_TIMEOUT_MS: '2500',
    });
    expect(E.isRight(tuned) && postgresOptions(tuned.right))
      .toMatchObject({ poolMax: 4, connectTimeoutMs: 750, statementTimeoutMs: 2_500 });
  });

  it('requires DATABASE_URL for the postgres backend only, in one line naming it', () => {
    expect(refusal({ STORAGE_BACKEND: 'postgres' })).toEqual(['DATABASE_URL: required when STORAGE_BACKEND is postgres']);
    expect(refusal({ STORAGE_BACKEND: 'memory' })).toEqual([]);
  });

  it.each([
    ['DATABASE_URL', 'mysql://root:hunter2@db/x'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_POOL_MAX', '0'],
    ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-5'],
  ])('refuses %s=%s with one line naming it, never echoing a URL', (name, value) => {
    const lines = refusal({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`${name}: expected`)).toBe(true);
    if (name === 'DATABASE_URL') expect(lines[0]).not.toContain(value);
  });
});
