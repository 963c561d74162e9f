import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { CRASHING_ENTRY, crashingRequest } from '../support/crash-at.js';
import { tempDir } from '../support/temp-dir.js';
import { request } from '../support/test-service.js';

const SEEDED = 40;

/**
 * kill -9 right after the write that places an order, and after the one that cancels it, before either is
 * answered; then a restart and recovery: what was written is whole (order and stock together), nothing
 * acknowledged is lost, and the stock invariant holds.
 */
describe.each(['after-place', 'after-status'] as const)('kill -9 %s, then recovery (embedded store)', (step) => {
  const dir = tempDir();
  const seed = join(dir.path, 'catalog.json');
  const env = { STORAGE_BACKEND: 'embedded', DATA_DIR: join(dir.path, 'data'), INVENTORY_SEED_FILE: seed, PENDING_ORDER_TIMEOUT_SECONDS: '1' };
  let running: ServiceProcess | undefined;

  beforeAll(() => writeFileSync(seed, JSON.stringify([{ id: 'k9', title: 'T', author: 'A', price: 5, quantity: SEEDED }])));
  afterAll(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await running?.exited;
    dir.remove();
  });

  it('leaves nothing acknowledged lost and no unit of stock unaccounted for', async () => {
    running = await spawnService({ ...env, CRASH_AT: step }, 15_000, CRASHING_ENTRY);
    const kept = await request(running.url, 'POST', '/orders', { bookId: 'k9', userId: 'kept', quantity: 3 });
    expect(kept.status).toBe(201);
    const url = running.url;
    const dying = crashingRequest(url, step, 'k9');
    await expect(dying).rejects.toThrow(); // the connection dies with the process
    expect(await running.exited).toBe('SIGKILL');

    running = await spawnService(env);
    await new Promise((done) => setTimeout(done, 1100)); // let the half-placed order pass the pending timeout
    const settled = await request(running.url, 'POST', '/orders/batch-process', {});
    expect(settled.status).toBe(200);

    const keptNow = await request(running.url, 'GET', `/orders/${kept.body.id}`);
    const crashOrders = (await request(running.url, 'GET', '/orders/user/crash')).body.orders as { status: string; quantity: number }[];
    expect(crashOrders.map((o) => o.status)).toEqual([step === 'after-status' ? 'cancelled' : 'confirmed']);
    expect(settled.body).toMatchObject({ expired: 0, released: 0 }); // one write each: nothing was left half done
    const holding = [keptNow.body, ...crashOrders].filter((o) => o.status === 'confirmed').reduce((sum, o) => sum + o.quantity, 0);
    const probe = await request(running.url, 'POST', '/orders', { bookId: 'k9', userId: 'probe', quantity: 1000 });
    expect(probe.body.available).toBe(SEEDED - holding);
  });
});
