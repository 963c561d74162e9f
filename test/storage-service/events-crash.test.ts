import { FakeStorageService } from '../fakes/fake-storage-service.js';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { CRASHING_ENTRY, crashingRequest } from '../support/crash-at.js';
import { tempDir } from '../support/temp-dir.js';
import { untilPasses } from '../support/retry.js';
import { request } from '../support/test-service.js';
import { expectEventsMatchStorage, intentsLeft, unitsHeld } from './storage-service-harness.js';


const eventually = (check: () => Promise<void>, withinMs = 5_000) => untilPasses(check, withinMs);

/**
 * kill -9 right after the storage service acknowledged the last write of a placement, or of a cancel, before the
 * answer leaves and before the outbox has committed the event: the intent written before that write is all that
 * is left. The next process finds the record holding the change and commits the event, with no recovery run;
 * every other change has its event, and none is of a change the storage service does not hold.
 */
describe.each(['after-place', 'after-status'] as const)('kill -9 %s, then a restart (storage-service backend)', (step) => {
  const dir = tempDir('order-outbox-');
  let fake: FakeStorageService;
  let running: ServiceProcess | undefined;
  beforeAll(async () => {
    fake = await FakeStorageService.start();
    fake.addBook({ id: 'k9', quantity: 40 });
  });
  afterAll(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await running?.exited;
    await fake.close();
    dir.remove();
  });

  it('commits the event of the change the storage service holds, and no other', async () => {
    const env = { STORAGE_BACKEND: 'storage-service', STORAGE_SERVICE_URL: fake.url, DATA_DIR: dir.path };
    running = await spawnService({ ...env, CRASH_AT: step }, 15_000, CRASHING_ENTRY);
    const url = running.url;
    expect((await request(url, 'POST', '/orders', { bookId: 'k9', userId: 'kept', quantity: 3 })).status).toBe(201);
    const dying = crashingRequest(url, step, 'k9');
    await expect(dying).rejects.toThrow();
    expect(await running.exited).toBe('SIGKILL');
    const crashed = [...fake.orders.values()].find((o) => o.user_id === 'crash')!;
    expect(crashed.status).toBe(step === 'after-status' ? 'cancelled' : 'confirmed');
    // A placement is killed in the same turn as its confirmation's answer: its event is still an intent.
    if (step === 'after-place') expect(intentsLeft(dir.path)).toBe(1);

    running = await spawnService(env);
    const service = { url: running.url };
    await eventually(async () => {
      await expectEventsMatchStorage({ fake, service });
      expect(intentsLeft(dir.path)).toBe(0);
    });
    expect((await request(service.url, 'POST', '/orders/batch-process', { limit: 100 })).status).toBe(200);
    await expectEventsMatchStorage({ fake, service });
    expect(40 - fake.stockOf('k9')!).toBe(unitsHeld(fake, 'k9'));
  });
});
