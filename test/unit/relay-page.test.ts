import type { LoggedEvent } from '../../src/application/ports/event-log.port.js';
import { packPage, unpackPage } from '../../src/infrastructure/relay-page.js';

const event = (n: number, body: string, subject = `o-${n}`): LoggedEvent => ({
  position: String(n), id: `e-${n}`, type: 'com.avakart.order.placed', subject, time: new Date(1_700_000_000_000 + n), body,
});

describe('a page of the outbox as it crosses to the relay thread', () => {
  it('gives back every field of every event, with the commit times it was packed with', () => {
    const events = [
      event(1, '{"a":1}'),
      event(2, '{"title":"Œuvres complètes — 東京 😀"}', 'b-😀'), // two-byte and astral characters
      event(3, '', ''), // empty fields
      event(4, '{"note":"tab\\tand\\nnewline"}'),
    ];
    const page = packPage(events, [10, undefined, 30, 0]);
    const back = unpackPage(structuredClone(page));
    expect(back.map((e) => e.event)).toEqual(events);
    expect(back.map((e) => e.committedAt)).toEqual([10, undefined, 30, 0]);
  });

  it('packs an empty page', () => {
    expect(unpackPage(structuredClone(packPage([], [])))).toEqual([]);
  });

  it('posts as one string and two typed arrays, however many events it holds', () => {
    const page = packPage(Array.from({ length: 300 }, (_, i) => event(i, `{"n":${i}}`)), []);
    expect(typeof page.text).toBe('string');
    expect(page.lengths).toBeInstanceOf(Uint32Array);
    expect(page.times).toBeInstanceOf(Float64Array);
    expect(page.lengths.length).toBe(300 * 5);
    expect(unpackPage(page)[299]!.event).toEqual(event(299, '{"n":299}'));
  });
});
