type Waiter<V> = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };

/**
 * Reads by key, where the keys asked for in one turn of the event loop are read together by one statement. Under
 * load a read per request took a pool connection and a round trip each; one statement for a turn's worth costs
 * the server about what one costs. Each caller still gets a read issued after its call, and an error reaches
 * every caller of that statement.
 */
export class BatchedReads<K, V> {
  private asked = new Map<K, Array<Waiter<V>>>();

  constructor(private readonly readAll: (keys: K[]) => Promise<ReadonlyMap<K, V>>) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.asked.size === 0) setImmediate(() => void this.readAsked());
      const waiters = this.asked.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.asked.set(key, [{ resolve, reject }]);
    });
  }

  private async readAsked(): Promise<void> {
    const asked = this.asked;
    this.asked = new Map();
    try {
      const found = await this.readAll([...asked.keys()]);
      for (const [key, waiters] of asked) for (const waiter of waiters) waiter.resolve(found.get(key));
    } catch (error) {
      for (const waiters of asked.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
