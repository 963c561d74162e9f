import { cloudEventRenderer, type EventRecord, type EventRenderer } from '../events/cloud-event.js';

/**
 * What the order writes need to record their events: the renderer, run once per event in the write that makes the
 * change, and a bell to ring after COMMIT with the ids of the events committed, so this process's long-polls and
 * relay read again at once.
 */
export interface Outbox {
  readonly render: EventRenderer;
  committed(ids: readonly string[]): void;
}

/** Events rendered by the default renderer and no one to wake: for adapters opened without an event log. */
export const quietOutbox = (render: EventRenderer = cloudEventRenderer()): Outbox => ({ render, committed: () => {} });

/**
 * The outbox of one write: it keeps the ids of what it rendered, and `committed` tells them. A write run again
 * after a conflict renders anew; the ids of an attempt that rolled back are told too, and never asked for.
 */
export interface WriteScope {
  readonly render: EventRenderer;
  committed(): void;
}

export function writeScope(outbox: Outbox): WriteScope {
  const ids: string[] = [];
  return {
    render: (event) => {
      const record = outbox.render(event);
      ids.push(record.id);
      return record;
    },
    committed: () => outbox.committed(ids),
  };
}

// A write sends its events as one text: records joined by RS, fields by US. Five text[] parameters cost more than
// the insert itself: the driver escapes every quote of the JSON and the server parses it back. Neither separator
// can occur in an identifier, an event type, an ISO time or JSON text, which escapes every control character.
const RS = '\x1e';
const US = '\x1f';
const SEPARATORS = /[\x1e\x1f]/;

/** One event as a write sends it; throws (a bug: its caller fails alone) when a field could not be told apart. */
export function packEvent(record: EventRecord): string {
  const fields = [record.id, record.type, record.subject, record.time.toISOString(), record.body];
  if (fields.some((field) => SEPARATORS.test(field))) throw new Error(`event ${record.id} holds a control character`);
  return fields.join(US);
}

export const packEvents = (packed: readonly string[]): string => packed.join(RS);

/** Inserts the events packed in parameter `$n`; `tx` and `seq` are the table's defaults. */
export const INSERT_EVENTS = (n: number): string => `INSERT INTO events (id, type, subject, occurred_at, body)
    SELECT split_part(r, E'\\x1f', 1), split_part(r, E'\\x1f', 2), split_part(r, E'\\x1f', 3),
           split_part(r, E'\\x1f', 4)::timestamptz, split_part(r, E'\\x1f', 5)
    FROM string_to_table(nullif($${n}::text, ''), E'\\x1e') AS r`;
