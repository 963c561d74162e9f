import type { OrderId } from '../../../domain/identifiers.js';
import type { StorageServiceOutbox } from './storage-service-outbox.js';
import type { OrderRecords } from './storage-order-records.js';

const FIRST_RETRY_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Settles, in the background, the intents whose outcome is unknown once they are due (see StorageServiceOutbox):
 * those a previous process left at once, the first time the storage service answers, and this process's own after
 * the grace period. One `orders/get` per order, inside the order's exclusive so no change of it runs in between;
 * retried with backoff while the storage service fails. A change of the order and recovery's listing settle them
 * too.
 */
export class IntentSettler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private failures = 0;

  constructor(private readonly outbox: StorageServiceOutbox, private readonly records: OrderRecords) {
    outbox.onUnknown(() => this.scheduleNext());
    this.scheduleNext();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private scheduleNext(): void {
    const due = this.outbox.nextDue();
    if (due !== undefined) this.schedule(Math.max(0, due - Date.now()));
  }

  private schedule(ms: number): void {
    if (this.stopped || this.running || this.timer) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    let failed = false;
    for (const orderId of new Set<OrderId>(this.outbox.due().map((intent) => intent.orderId))) {
      if (this.stopped) break;
      try {
        await this.records.exclusive(orderId, async () => {
          const doubtful = this.outbox.due(orderId);
          if (doubtful.length === 0) return;
          const record = await this.records.read(orderId);
          this.outbox.settle(doubtful, () => record ?? 'absent');
        });
      } catch {
        failed = true; // storage down, or the record unreadable: again later
      }
    }
    this.running = false;
    this.failures = failed ? this.failures + 1 : 0;
    if (failed) this.schedule(Math.min(MAX_BACKOFF_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1)));
    else this.scheduleNext();
  }
}
