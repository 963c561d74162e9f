/**
 * Wakes the feed's long-polls when this process commits events. A store shared by replicas also polls, since a
 * commit of another process rings no bell here.
 */
export class CommitSignal {
  private waiters = new Set<() => void>();

  /** Events were committed: every waiter reads again. */
  notify(): void {
    if (this.waiters.size === 0) return;
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves at the next notify, after `timeoutMs`, or when `signal` aborts; never rejects. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.waiter(timeoutMs, signal).done;
  }

  /**
   * A waiter registered now, so that a notify between this call and awaiting `done` is not missed; `cancel` drops
   * it (and its timer) when it is no longer wanted.
   */
  waiter(timeoutMs: number, signal?: AbortSignal): { readonly done: Promise<void>; cancel(): void } {
    if (timeoutMs <= 0 || signal?.aborted) return { done: Promise.resolve(), cancel: () => {} };
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.waiters.delete(finish);
        resolve();
      };
      timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      this.waiters.add(finish);
    });
    return { done, cancel: finish };
  }
}

/**
 * Waits until `ready()` holds, checking at every notify and every `pollMs`, until the deadline or the abort. The
 * waiter is registered before each check, so a commit landing while `ready()` runs still wakes it.
 */
export async function waitUntil(
  signal: CommitSignal,
  ready: () => Promise<boolean> | boolean,
  timeoutMs: number,
  abort?: AbortSignal,
  pollMs = Infinity,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const wake = signal.waiter(Math.min(Math.max(left, 0), pollMs), abort);
    let isReady: boolean;
    try {
      isReady = await ready();
    } catch {
      isReady = true; // the caller's read will meet the failure and answer it
    }
    if (isReady || left <= 0 || abort?.aborted) {
      wake.cancel();
      return;
    }
    await wake.done;
  }
}
