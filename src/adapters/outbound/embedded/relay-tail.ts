/**
 * The events this process appended past a position, kept for the relay so that it reads them without a statement:
 * reading the rows back, bodies and all, was about 4 µs an event on the thread that answers requests. It holds every
 * event after `from`, in position order, or, when it cannot know that, nothing: after a rollback (a kept row may be
 * undone), a statement that inserted rows it did not see, or more rows than `capacity` (the relay is behind; it
 * reads the table until it catches up, and the tail starts again there).
 */
export class RelayTail<R extends { readonly position: number }> {
  private rows: R[] = [];
  private start = 0;
  /** Every event after this position is in `rows`; undefined: not known, read the table. */
  private from: number | undefined;

  constructor(private readonly capacity: number) {}

  /** Nothing after `position` exists yet: from here on, every event appended is kept. */
  resume(position: number): void {
    this.rows = [];
    this.start = 0;
    this.from = position;
  }

  /** Whether appended events are kept: otherwise `add` is not worth building a row for. */
  get keeping(): boolean {
    return this.from !== undefined;
  }

  add(row: R): void {
    if (this.from === undefined) return;
    if (this.rows.length - this.start >= this.capacity) return this.forget();
    this.rows.push(row);
  }

  forget(): void {
    this.rows = [];
    this.start = 0;
    this.from = undefined;
  }

  /** Up to `limit` events after `after`, oldest first; undefined when the tail does not hold every one of them. */
  after(after: number, limit: number): R[] | undefined {
    if (this.from === undefined || after < this.from) return undefined;
    while (this.start < this.rows.length && this.rows[this.start]!.position <= after) this.start += 1;
    if (this.start >= 1_024 && this.start * 2 >= this.rows.length) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
    this.from = after;
    return this.rows.slice(this.start, this.start + limit);
  }
}
