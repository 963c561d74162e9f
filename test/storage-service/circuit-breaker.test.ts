import { CircuitBreaker } from '../../src/adapters/outbound/storage-service/circuit-breaker.js';
import { ConcurrencyLimiter, QueueFull } from '../../src/adapters/outbound/storage-service/concurrency-limiter.js';

describe('circuit breaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker(3, 1000, () => now);
  beforeEach(() => {
    now = 0;
  });

  it('opens after the threshold of failures in a row, not before, and a success resets the count', () => {
    const b = breaker();
    b.failed();
    b.failed();
    b.succeeded();
    b.failed();
    b.failed();
    expect(b.enter()).toBe(true);
    b.failed();
    expect([b.state, b.enter(), b.retryAfterMs()]).toEqual(['open', false, 1000]);
  });

  it('lets one trial through after the cooldown: success closes, failure opens for another cooldown', () => {
    const b = breaker();
    [1, 2, 3].forEach(() => b.failed());
    now = 1000;
    expect(b.enter()).toBe(true);
    expect([b.enter(), b.refusing]).toEqual([false, true]);
    b.failed();
    expect(b.state).toBe('open');
    now = 1500;
    expect(b.enter()).toBe(false);
    now = 2000;
    expect(b.enter()).toBe(true);
    b.succeeded();
    expect([b.state, b.enter(), b.enter()]).toEqual(['closed', true, true]);
  });
});

describe('concurrency limiter', () => {
  const gate = () => {
    let open!: () => void;
    return { wait: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
  };

  it('runs at most `max` at once, queues up to the limit in order, and refuses beyond it at once', async () => {
    const limiter = new ConcurrencyLimiter(1, 2);
    const g = gate();
    const order: number[] = [];
    const running = [1, 2, 3].map((n) => limiter.run(async () => {
      order.push(n);
      await g.wait;
    }));
    await expect(limiter.run(async () => 'never')).rejects.toBeInstanceOf(QueueFull);
    expect([limiter.active, limiter.queued, order]).toEqual([1, 2, [1]]);
    g.open();
    await Promise.all(running);
    expect([limiter.active, limiter.queued, order]).toEqual([0, 0, [1, 2, 3]]);
  });

  it('frees the slot when the work fails', async () => {
    const limiter = new ConcurrencyLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });
});
