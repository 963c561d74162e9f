/** Runs `work` on every item, at most `width` at once; with `rethrow`, fails with the first error once all are done. */
export async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>, rethrow = false): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (failure && rethrow) throw failure.error;
}
