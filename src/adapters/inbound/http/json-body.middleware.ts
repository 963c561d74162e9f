import bodyParser from 'koa-bodyparser';
import type { Middleware } from 'koa';
import { problem, sendProblem } from './problem-details.js';

export const MAX_BODY = '64kb';

const parseJson = bodyParser({
  enableTypes: ['json'],
  jsonLimit: MAX_BODY,
  strict: false, // a bare JSON value is valid JSON; the decoder answers 422 for it, not a parse error
  onerror: (error, ctx) => {
    const status = (error as { status?: number }).status;
    if (status === 413) ctx.throw(413, 'payload-too-large');
    if (status === 415) ctx.throw(415, 'unsupported-media-type');
    ctx.throw(400, 'malformed-json');
  },
});

/** Routes that take a body accept JSON only: 415 for anything else, before a byte of it is read. */
export const jsonBody: Middleware = async (ctx, next) => {
  if (!ctx.is('application/json')) {
    sendProblem(ctx, problem('unsupported-media-type', 'Unsupported media type', 415,
      'The request body must be JSON, sent with Content-Type: application/json.'));
    return;
  }
  await parseJson(ctx, next);
};
