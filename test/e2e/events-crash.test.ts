import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnService, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp-dir.js';
import { request } from '../support/test-service.js';

interface OrderView {
  id: string; bookId: string; userId: string; quantity: number; total: number; status: string; createdAt: string; version: number;
}
interface CloudEvent {
  id: string; type: string; subject: string; orderversion: number;
  data: { previousStatus: string | null; order: OrderView };
}

const WORKERS = 24;
/** Where each placed order goes next; every step is a write the client is told about, or is cut off by the kill. */
const PATHS = [['processing', 'shipped', 'delivered'], ['cancelled'], ['processing', 'cancelled'], ['processing', 'shipped']];

/** Every event of the feed, paged with nextCursor from the start. */
async function allEvents(url: string): Promise<CloudEvent[]> {
  const events: CloudEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await request(url, 'GET', `/events?limit=500${cursor ? `&after=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    if (page.body.events.length === 0) return events;
    events.push(...page.body.events);
    cursor = page.body.nextCursor;
  }
}

/** Every order of a user, paged. */
async function ordersOf(url: string, userId: string): Promise<OrderView[]> {
  const orders: OrderView[] = [];
  let cursor: string | null = null;
  do {
    const page = await request(url, 'GET', `/orders/user/${userId}?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    orders.push(...page.body.orders);
    cursor = page.body.nextCursor;
  } while (cursor);
  return orders;
}

/**
 * kill -9 in the middle of a load of placements and status changes on the embedded store, then a restart: every
 * change a client was told about (2xx) has its event in GET /events, and every event is of a change the store
 * holds: per order, the events chain from the first to the order's current status and version.
 */
describe('kill -9 under load, then the event feed (embedded store)', () => {
  const dir = tempDir();
  const seed = join(dir.path, 'catalog.json');
  const env = { STORAGE_BACKEND: 'embedded', DATA_DIR: join(dir.path, 'data'), INVENTORY_SEED_FILE: seed };
  let running: ServiceProcess | undefined;

  beforeAll(() => writeFileSync(seed, JSON.stringify([{ id: 'k9', title: 'T', author: 'A', price: 5, quantity: 1_000_000 }])));
  afterAll(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await running?.exited;
    dir.remove();
  });

  it('loses no event of an acknowledged change and keeps none of a change that was not committed', async () => {
    running = await spawnService(env);
    const url = running.url;
    /** `${orderId}.${version}` → status, for every change answered 2xx. */
    const acknowledged = new Map<string, string>();
    let killed = false;
    const ack = (order: OrderView) => acknowledged.set(`${order.id}.${order.version}`, order.status);

    const worker = async (n: number): Promise<void> => {
      for (let round = 0; !killed; round += 1) {
        const placed = await request(url, 'POST', '/orders', { bookId: 'k9', userId: 'load', quantity: 1 }).catch(() => undefined);
        if (!placed) return;
        expect(placed.status).toBe(201);
        ack(placed.body);
        for (const status of PATHS[(n + round) % PATHS.length]!) {
          const moved = await request(url, 'PUT', `/orders/${placed.body.id}/status`, { status }).catch(() => undefined);
          if (!moved) return;
          expect(moved.status).toBe(200);
          ack(moved.body);
        }
      }
    };
    let failed = false;
    const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
    load.catch(() => (failed = true));
    while (acknowledged.size < 300 && !failed) await sleep(10);
    killed = true;
    running.child.kill('SIGKILL');
    await load;
    expect(await running.exited).toBe('SIGKILL');

    running = await spawnService(env);
    const events = await allEvents(running.url);
    const stored = new Map((await ordersOf(running.url, 'load')).map((order) => [order.id, order]));

    // Every event once; every acknowledged change among them, with the status it was acknowledged with.
    const byId = new Map(events.map((event) => [event.id, event]));
    expect(byId.size).toBe(events.length);
    const missing = [...acknowledged].filter(([id, status]) => byId.get(id)?.data.order.status !== status);
    expect(missing).toEqual([]);

    // Per order, the events chain from its placement to what the store holds now, in increasing version.
    const chains = new Map<string, CloudEvent[]>();
    for (const event of events) chains.set(event.subject, [...(chains.get(event.subject) ?? []), event]);
    for (const [orderId, chain] of chains) {
      const order = stored.get(orderId);
      expect(order).toBeDefined();
      chain.forEach((event, i) => {
        expect(event).toMatchObject({ id: `${orderId}.${event.orderversion}`, type: `com.avakart.order.${event.data.order.status}` });
        expect(event.data.previousStatus).toBe(i === 0 ? null : chain[i - 1]!.data.order.status);
        if (i > 0) expect(event.orderversion).toBeGreaterThan(chain[i - 1]!.orderversion);
      });
      expect(chain[chain.length - 1]!.data.order).toEqual(order);
    }
    // And no stored order without the event of its current state.
    expect([...stored.values()].filter((order) => !byId.has(`${order.id}.${order.version}`))).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(new Set([...acknowledged.keys()].map((id) => id.split('.')[0])).size);
  });
});
