/** What one batch of stock changes to a book does: see planBatch. */
export interface BatchPlan {
  /** How many changes, from the first, this batch takes; the rest wait for the next batch. */
  readonly size: number;
  /** Per change of the batch: whether it fits (a take of more than is left does not). */
  readonly fits: readonly boolean[];
  /** Per change of the batch: the stock left for it when its turn came. */
  readonly available: readonly number[];
  /** The stock once every change that fits is applied: the batch's one stock write. */
  readonly stockAfter: number;
}

/**
 * Decides a batch of changes to one book's stock (negative: take, positive: give back, 0: none) greedily in arrival
 * order: a take that does not fit is refused, and a later, smaller one may still fit. Each decision depends only on
 * the ones before it, so the batch can end anywhere without changing them.
 *
 * A batch whose accepted changes cancel out would write back the stock it read, and its marks could no longer be
 * told apart from marks whose write never landed. It is cut before its last accepted change, which leaves the
 * stock moved by exactly that change's opposite; what is cut goes to the next batch.
 */
export function planBatch(stockBefore: number, changes: readonly number[]): BatchPlan {
  const fits: boolean[] = [];
  const available: number[] = [];
  const after: number[] = [];
  let stock = stockBefore;
  for (const change of changes) {
    available.push(stock);
    const fit = stock + change >= 0;
    fits.push(fit);
    if (fit) stock += change;
    after.push(stock);
  }
  let size = changes.length;
  const stockAt = (n: number) => (n === 0 ? stockBefore : after[n - 1]!);
  if (stockAt(size) === stockBefore) {
    const last = lastMoving(changes, fits);
    if (last >= 0) size = last;
  }
  return { size, fits: fits.slice(0, size), available: available.slice(0, size), stockAfter: stockAt(size) };
}

function lastMoving(changes: readonly number[], fits: readonly boolean[]): number {
  for (let i = changes.length - 1; i >= 0; i -= 1) if (fits[i] && changes[i] !== 0) return i;
  return -1;
}
