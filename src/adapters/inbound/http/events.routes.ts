import type { Router } from '@koa/router';
import { DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE, MAX_EVENT_WAIT_MS } from '../../../application/read-events.use-case.js';
import type { OrderUseCases } from './http-context.js';
import { decodeText, encodeText } from './list-query.js';
import { problem, sendProblem, validationProblem, type FieldError } from './problem-details.js';

/** Feed cursors are opaque to readers: base64url of the event log's own position. */
const encodeFeedCursor = encodeText;
const decodeFeedCursor = (cursor: string) => decodeText(cursor, 256);

/** GET /events: the order events, oldest first, for consumers that page (and long-poll) rather than subscribe. */
export function eventRoutes(router: Router, useCases: OrderUseCases): void {
  router.get('/events', async (ctx) => {
    const errors: FieldError[] = [];
    const { after: rawAfter, limit: rawLimit = String(DEFAULT_EVENT_PAGE), wait: rawWait = '0' } = ctx.query;
    if ([rawAfter, rawLimit, rawWait].some(Array.isArray)) {
      errors.push({ pointer: 'query', detail: 'after, limit and wait may each be given once' });
    }
    const limit = String(rawLimit);
    if (!/^\d{1,3}$/.test(limit) || +limit < 1 || +limit > MAX_EVENT_PAGE) {
      errors.push({ pointer: 'limit', detail: `must be a whole number from 1 to ${MAX_EVENT_PAGE}` });
    }
    const wait = String(rawWait);
    if (!/^\d{1,2}(\.\d{1,3})?$/.test(wait) || +wait * 1000 > MAX_EVENT_WAIT_MS) {
      errors.push({ pointer: 'wait', detail: `must be seconds from 0 to ${MAX_EVENT_WAIT_MS / 1000}` });
    }
    const after = rawAfter === undefined ? undefined : decodeFeedCursor(String(rawAfter));
    if (rawAfter !== undefined && after === undefined) malformed(errors);
    if (errors.length) return sendProblem(ctx, validationProblem(errors, 400));

    // The wait ends when the reader goes away; the service's stop ends it too (see in-flight-work).
    const gone = new AbortController();
    ctx.req.once('close', () => gone.abort());
    const read = await useCases.readEvents.execute({
      ...(after === undefined ? {} : { after }),
      limit: +limit,
      waitMs: Math.round(+wait * 1000),
      signal: gone.signal,
    });
    if (read.kind === 'malformed') return sendProblem(ctx, validationProblem(malformed([]), 400));
    if (read.kind === 'expired') {
      return sendProblem(ctx, problem('cursor-expired', 'Cursor expired', 410,
        'Events after this cursor were purged (see EVENTS_RETENTION_HOURS); start again without `after`.'));
    }
    // The events are stored as the JSON consumers receive: joined, not parsed and serialised again.
    ctx.type = 'application/json';
    ctx.body = `{"events":[${read.events.map((event) => event.body).join(',')}],"nextCursor":${JSON.stringify(encodeFeedCursor(read.next))}}`;
  });
}

function malformed(errors: FieldError[]): FieldError[] {
  errors.push({ pointer: 'after', detail: 'is not a cursor this service issued' });
  return errors;
}
