import * as E from 'fp-ts/lib/Either.js';
import { DEMO_CATALOG, decodeConfig } from '../../src/infrastructure/config.js';

const decoded = (env: Record<string, string>) => {
  const result = decodeConfig(env);
  if (E.isLeft(result)) throw new Error(result.left.join('\n'));
  return result.right;
};
const refusal = (env: Record<string, string>) => {
  const result = decodeConfig(env);
  return E.isLeft(result) ? result.left : [];
};

describe('configuration', () => {
  it('defaults to the embedded store on port 8082 with the demo catalog', () => {
    expect(decoded({})).toMatchObject({
      port: 8082,
      host: '0.0.0.0',
      backend: 'embedded',
      storageServiceUrl: 'http://localhost:8083',
      dataDir: './data',
      inventorySeedFile: DEMO_CATALOG,
      logLevel: 'info',
      embeddedSynchronous: 'full',
    });
  });

  it('chooses the storage service when only STORAGE_SERVICE_URL is set', () => {
    expect(decoded({ STORAGE_SERVICE_URL: 'http://storage:8083/' })).toMatchObject({
      backend: 'storage-service',
      storageServiceUrl: 'http://storage:8083',
    });
    expect(decoded({ STORAGE_SERVICE_URL: 'http://storage:8083', STORAGE_BACKEND: 'memory' }).backend).toBe('memory');
  });

  it('accepts SERVER_PORT as the same setting as PORT', () => {
    expect(decoded({ SERVER_PORT: '9000' }).port).toBe(9000);
    expect(decoded({ SERVER_PORT: '9000', PORT: '9000' }).port).toBe(9000);
    expect(refusal({ SERVER_PORT: '9000', PORT: '9001' })[0]).toMatch(/PORT .* SERVER_PORT/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['STORAGE_BACKEND', 'mongo'],
    ['STORAGE_SERVICE_URL', 'ftp://x'],
    ['LOG_LEVEL', 'loud'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
    ['EMBEDDED_SYNCHRONOUS', 'off'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    const lines = refusal({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`${name}: expected`)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(decoded({ PORT: '', STORAGE_BACKEND: '' })).toMatchObject({ port: 8082, backend: 'embedded' });
  });
});
