import { QueueFull } from './concurrency-limiter.js';

/**
 * Runs the work given for one key one at a time, in arrival order. At most `maxWaiting` wait per key; one more is
 * refused with QueueFull at once. Keys with nothing queued cost nothing.
 */
export class KeyedMutex<K> {
  private readonly queues = new Map<K, { tail: Promise<void>; size: number }>();

  constructor(private readonly maxWaiting = Infinity) {}

  async run<T>(key: K, work: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size > this.maxWaiting) throw new QueueFull(`${queue.size - 1} already waiting for ${String(key)}`);
    const previous = queue.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    queue.tail = previous.then(() => mine);
    queue.size += 1;
    this.queues.set(key, queue);
    await previous;
    try {
      return await work();
    } finally {
      release();
      queue.size -= 1;
      if (queue.size === 0) this.queues.delete(key);
    }
  }
}
