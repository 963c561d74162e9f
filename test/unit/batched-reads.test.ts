import { BatchedReads } from '../../src/adapters/outbound/postgres/batched-reads.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A store of squares whose reads are recorded, each answered when the test says so. */
function squares() {
  const reads: Array<{ keys: number[]; answer: () => void; fail: (error: Error) => void }> = [];
  const batched = new BatchedReads<number, number>((keys) => new Promise((resolve, reject) => {
    reads.push({
      keys,
      answer: () => resolve(new Map(keys.filter((k) => k >= 0).map((k) => [k, k * k]))),
      fail: reject,
    });
  }));
  return { batched, reads };
}

describe('BatchedReads', () => {
  it('reads the keys asked for in one turn with one read, each key once, and gives each caller its value', async () => {
    const { batched, reads } = squares();
    const asked = [batched.get(2), batched.get(3), batched.get(2), batched.get(-1)];
    await nextTurn();
    expect(reads.map((r) => r.keys)).toEqual([[2, 3, -1]]);
    reads[0]!.answer();
    await expect(Promise.all(asked)).resolves.toEqual([4, 9, 4, undefined]);
  });

  it('gives a call made while a read is out a read of its own, issued after the call', async () => {
    const { batched, reads } = squares();
    const first = batched.get(2);
    await nextTurn();
    const second = batched.get(2);
    await nextTurn();
    expect(reads.map((r) => r.keys)).toEqual([[2], [2]]);
    reads[1]!.answer();
    await expect(second).resolves.toBe(4);
    reads[0]!.answer();
    await expect(first).resolves.toBe(4);
  });

  it('rejects every caller of a failed read, and reads again for the next', async () => {
    const { batched, reads } = squares();
    const asked = [batched.get(1), batched.get(2)].map((p) => p.then(() => 'read', (e: Error) => e.message));
    await nextTurn();
    reads[0]!.fail(new Error('database down'));
    await expect(Promise.all(asked)).resolves.toEqual(['database down', 'database down']);
    const again = batched.get(1);
    await nextTurn();
    reads[1]!.answer();
    await expect(again).resolves.toBe(1);
  });
});
