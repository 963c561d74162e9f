import type { LoggedEvent } from '../application/ports/event-log.port.js';

/**
 * A page of the outbox as it crosses to the relay's thread: every text field of every event in one string, with
 * their lengths, and the two numbers of each event in a typed array. A message is copied when it is posted: an
 * array of event objects (six fields and a Date each) is copied field by field and leaves garbage on both threads,
 * while one string and two typed arrays copy as three blocks of memory.
 */
export interface RelayPage {
  /** position, id, type, subject and body of each event, in that order, one after another. */
  readonly text: string;
  /** The length of each of those fields, five per event. */
  readonly lengths: Uint32Array;
  /** Per event, its time and when this process saw it commit (NaN: not known), both in ms since the epoch. */
  readonly times: Float64Array;
}

const FIELDS = 5;

/** Packs `events`, with the commit time of each (undefined: not known). */
export function packPage(events: readonly LoggedEvent[], committedAt: ReadonlyArray<number | undefined>): RelayPage {
  const parts: string[] = [];
  const lengths = new Uint32Array(events.length * FIELDS);
  const times = new Float64Array(events.length * 2);
  events.forEach((event, i) => {
    // No array per event: this runs on the thread that answers requests, for every event relayed.
    const base = i * FIELDS;
    parts.push(event.position, event.id, event.type, event.subject, event.body);
    lengths[base] = event.position.length;
    lengths[base + 1] = event.id.length;
    lengths[base + 2] = event.type.length;
    lengths[base + 3] = event.subject.length;
    lengths[base + 4] = event.body.length;
    times[i * 2] = event.time.getTime();
    times[i * 2 + 1] = committedAt[i] ?? Number.NaN;
  });
  return { text: parts.join(''), lengths, times };
}

/** The events of a page, each with its commit time (undefined: not known). */
export function unpackPage(page: RelayPage): Array<{ readonly event: LoggedEvent; readonly committedAt: number | undefined }> {
  const count = page.times.length / 2;
  const out: Array<{ readonly event: LoggedEvent; readonly committedAt: number | undefined }> = [];
  let at = 0;
  const next = (index: number) => {
    const field = page.text.slice(at, at + page.lengths[index]!);
    at += page.lengths[index]!;
    return field;
  };
  for (let i = 0; i < count; i += 1) {
    const base = i * FIELDS;
    const [position, id, type, subject, body] = [next(base), next(base + 1), next(base + 2), next(base + 3), next(base + 4)];
    const event: LoggedEvent = { position, id, type, subject, time: new Date(page.times[i * 2]!), body };
    const committed = page.times[i * 2 + 1]!;
    out.push({ event, committedAt: Number.isNaN(committed) ? undefined : committed });
  }
  return out;
}
