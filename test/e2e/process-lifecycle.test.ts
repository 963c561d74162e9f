import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp-dir.js';
import { request } from '../support/test-service.js';

const CATALOG = [{ id: 'durable-1', title: 'T', author: 'A', price: 12.34, quantity: 100 }];

describe('the service as a process, on the embedded store', () => {
  const dir = tempDir();
  const seedFile = join(dir.path, 'catalog.json');
  const env = { DATA_DIR: join(dir.path, 'data'), INVENTORY_SEED_FILE: seedFile, STORAGE_BACKEND: 'embedded' };
  let running: ServiceProcess | undefined;

  beforeAll(() => writeFileSync(seedFile, JSON.stringify(CATALOG)));
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
  });
  afterAll(() => dir.remove());

  it('keeps every acknowledged order and its stock through kill -9, and a restart does not re-seed stock', async () => {
    running = await spawnService(env);
    const placed = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        request(running!.url, 'POST', '/orders', { bookId: 'durable-1', userId: 'kill9', quantity: 1 + (i % 2) })),
    );
    expect(placed.map((r) => r.status)).toEqual(Array(25).fill(201));
    running.child.kill('SIGKILL'); // the moment the last 201 arrived: no graceful anything
    expect(await running.exited).toBe('SIGKILL');

    running = await spawnService(env);
    const listed = await request(running.url, 'GET', '/orders/user/kill9?limit=200');
    expect(listed.body.orders.map((o: { id: string }) => o.id).sort()).toEqual(placed.map((r) => r.body.id).sort());
    expect(listed.body.orders.every((o: { status: string }) => o.status === 'confirmed')).toBe(true);
    const taken = placed.reduce((sum, r) => sum + r.body.quantity, 0);
    const next = await request(running.url, 'POST', '/orders', { bookId: 'durable-1', userId: 'probe', quantity: 100 });
    expect(next.body).toMatchObject({ type: '/problems/insufficient-stock', available: 100 - taken });
  });

  it('keeps the order whose 201 arrived first when kill -9 follows it at once, with others still in flight', async () => {
    running = await spawnService(env);
    const service = running;
    const first = await Promise.any(Array.from({ length: 30 }, () =>
      request(service.url, 'POST', '/orders', { bookId: 'durable-1', userId: 'first', quantity: 1 }).then((answer) => {
        if (answer.status !== 201) throw new Error(`answered ${answer.status}`);
        service.child.kill('SIGKILL');
        return answer;
      })));
    expect(await service.exited).toBe('SIGKILL');

    running = await spawnService(env);
    const kept = await request(running.url, 'GET', `/orders/${first.body.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ id: first.body.id, status: 'confirmed' });
  });

  it('stops on SIGTERM: finishes what is in flight and exits 0', async () => {
    running = await spawnService(env);
    const inFlight = Array.from({ length: 10 }, () =>
      request(running!.url, 'POST', '/orders', { bookId: 'durable-1', userId: 'term', quantity: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    running.child.kill('SIGTERM');
    const answers = await Promise.allSettled(inFlight);
    expect(await running.exited).toBe(0);
    // Every request either got its 201 before the listener closed, or never reached the service.
    for (const answer of answers) if (answer.status === 'fulfilled') expect(answer.value.status).toBe(201);
    expect(running.output()).toContain('order service stopped');
  });

  it('refuses to start on a bad setting with one line naming it', async () => {
    await expect(spawnService({ ...env, PORT: 'eighty' })).rejects.toThrow(
      /service exited \(2\) before listening:\norder-service: invalid configuration: PORT: expected a port number/,
    );
  });

  it('refuses to start on a catalog it cannot read, naming the file', async () => {
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ id: 'x', title: 'T', author: 'A', price: 1.005, quantity: 1 }]));
    await expect(spawnService({ ...env, INVENTORY_SEED_FILE: bad, DATA_DIR: join(dir.path, 'other') })).rejects.toThrow(
      /INVENTORY_SEED_FILE .*bad\.json: book #0 \(x\) has price 1\.005/,
    );
  });
});
