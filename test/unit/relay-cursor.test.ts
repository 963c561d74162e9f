import {
  advance, horizonOf, toHand, type ReadEvent, type ReadPart, type RelayCursorState,
} from '../../src/adapters/outbound/postgres/postgres-relay-cursor.js';

const at = (tx: number, seq: number) => ({ tx: BigInt(tx), seq: BigInt(seq) });
const ev = (tx: number, seq: number, part: ReadPart = 'after'): ReadEvent => ({ position: at(tx, seq), part });
const key = (e: ReadEvent) => `${e.position.tx}-${e.position.seq}`;
const keys = (...events: ReadEvent[]) => new Set(events.map(key));

describe('the PostgreSQL relay cursor', () => {
  // Past 100-4, owing nothing: what the migration starts from when 100-5 is the oldest event left unpublished.
  const start: RelayCursorState = { after: at(100, 4), late: [], owed: [] };

  it('has its horizon just past the cursor when it owes nothing', () => {
    expect(horizonOf(start)).toEqual(at(100, 5));
  });

  it('hands out late and owed events whole, and as much of the page past the cursor as fits', () => {
    const found = [ev(110, 1), ev(110, 2), ev(111, 3), ev(90, 7, 'late'), ev(95, 1, 'owed')];
    expect(toHand(found, 4).map(key)).toEqual(['90-7', '95-1', '110-1', '110-2']);
    expect(toHand(found, 1).map(key)).toEqual(['90-7', '95-1']);
  });

  it('moves past what it handed out of the page, and keeps what was cut off for the next read', () => {
    const handed = [ev(110, 1), ev(110, 2)];
    const next = advance({ from: start, inProgress: [], handed }, keys(...handed), key);
    expect(next).toEqual({ after: at(110, 2), late: [], owed: [] });
    expect(horizonOf(next)).toEqual(at(110, 3));
  });

  it('owes what the broker did not acknowledge, and the horizon stays below it', () => {
    const handed = [ev(110, 1), ev(110, 2), ev(112, 1)];
    const next = advance({ from: start, inProgress: [], handed }, keys(handed[0]!, handed[2]!), key);
    expect(next).toEqual({ after: at(112, 1), late: [], owed: [at(110, 2)] });
    expect(horizonOf(next)).toEqual(at(110, 2));
    // Acknowledged in the next round: owed no more.
    const owed = ev(110, 2, 'owed');
    expect(advance({ from: next, inProgress: [], handed: [owed] }, keys(owed), key)).toEqual({ after: at(112, 1), late: [], owed: [] });
  });

  it('counts a transaction still running below the new cursor as late, until a read sees it ended', () => {
    const handed = [ev(110, 1), ev(112, 1)];
    // 105 and 111 were running: either may still commit events below 112. 113 will land past the cursor anyway.
    const next = advance({ from: start, inProgress: [105n, 111n, 113n], handed }, keys(...handed), key);
    expect(next).toEqual({ after: at(112, 1), late: [105n, 111n], owed: [] });
    expect(horizonOf(next)).toEqual(at(105, 0));
    // 111 committed two events, 105 is still running, nothing new past the cursor.
    const late = [ev(111, 1, 'late'), ev(111, 2, 'late')];
    const after = advance({ from: next, inProgress: [105n], handed: late }, keys(late[0]!), key);
    expect(after).toEqual({ after: at(112, 1), late: [105n], owed: [at(111, 2)] });
    // 105 ended without writing an event (it aborted, or wrote elsewhere): dropped. 111-2 is refused again.
    const again = ev(111, 2, 'owed');
    expect(advance({ from: after, inProgress: [], handed: [again] }, keys(), key)).toEqual({ after: at(112, 1), late: [], owed: [at(111, 2)] });
  });

  it('keeps the cursor where it was when nothing past it was handed out', () => {
    const owed = ev(99, 1, 'owed');
    const from: RelayCursorState = { after: at(120, 3), late: [], owed: [owed.position] };
    expect(advance({ from, inProgress: [130n], handed: [owed] }, keys(owed), key)).toEqual({ after: at(120, 3), late: [], owed: [] });
  });
});
