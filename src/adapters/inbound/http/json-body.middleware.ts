import bodyParser from 'koa-bodyparser';
import type { Middleware } from 'koa';
import { problem, sendProblem } from './problem-details.js';

export const MAX_BODY = '64kb';

const parseJson = bodyParser({
  enableTypes: ['json'],
  jsonLimit: MAX_BODY,
  strict: false, // a bare JSON value is valid JSON; the decoder answers 422 for it, not a parse error
  detectJSON: () => true, // jsonBody has checked the type: a second check would parse Content-Type once more
  onerror: (error, ctx) => {
    const status = (error as { status?: number }).status;
    if (status === 413) ctx.throw(413, 'payload-too-large');
    if (status === 415) ctx.throw(415, 'unsupported-media-type');
    ctx.throw(400, 'malformed-json');
  },
});

/** The type nearly every client sends, read without a parse; anything else is left to ctx.is. */
const PLAIN_JSON = /^application\/json(; ?charset=utf-8)?$/i;

/** Routes that take a body accept JSON only: 415 for anything else, before a byte of it is read. */
export const jsonBody: Middleware = (ctx, next) => {
  const { headers } = ctx.req;
  // As ctx.is, a request without Content-Length or Transfer-Encoding has no body, so no JSON body either.
  const plain = PLAIN_JSON.test(headers['content-type'] ?? '')
    && (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined);
  if (!plain && !ctx.is('application/json')) {
    sendProblem(ctx, problem('unsupported-media-type', 'Unsupported media type', 415,
      'The request body must be JSON, sent with Content-Type: application/json.'));
    return;
  }
  return parseJson(ctx, next);
};
