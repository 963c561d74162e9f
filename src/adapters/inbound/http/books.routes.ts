import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_BOOK_PAGE, MAX_BOOK_PAGE } from '../../../application/manage-books.use-case.js';
import type { AdjustmentPosition, AdjustmentRefusal, CatalogBook } from '../../../domain/book-catalog.js';
import { isBookId, type BookId } from '../../../domain/identifiers.js';
import type { PutBookOutcome } from '../../../domain/ports/catalog.port.js';
import { toAdjustmentResource, toBookResource } from './book-views.js';
import type { BookUseCases } from './http-context.js';
import { parseIfMatch } from './if-match.js';
import { jsonBody } from './json-body.middleware.js';
import { decodeText, encodeText, pageQuery } from './list-query.js';
import { problem, sendProblem, validationProblem, type FieldError, type Problem } from './problem-details.js';
import { PutBookBody, StockAdjustmentBody } from './request-codecs.js';
import { bodyOf } from './respond.js';

const bookNotFound = (id: string) =>
  problem('book-not-found', 'Book not found', 404, `There is no book with id ${JSON.stringify(id)}.`, { bookId: id });

/** The catalog and its stock, for operators: books by id, their details, and a ledger of stock adjustments. */
export function bookRoutes(router: Router, useCases: BookUseCases, idempotent: Middleware): void {
  router.get('/books', async (ctx) => {
    const errors: FieldError[] = [];
    const page = pageQuery(ctx.query, errors, BOOK_PAGES);
    if (!page) return sendProblem(ctx, validationProblem(errors, 400));
    const found = await useCases.listBooks.execute({ limit: page.limit, ...(page.after ? { after: page.after } : {}) });
    ctx.body = { books: found.items.map(toBookResource), nextCursor: found.next ? encodeText(found.next) : null };
  });

  router.get('/books/:id', async (ctx) => {
    const id = ctx.params.id!;
    const book = isBookId(id) ? await useCases.getBook.execute(id) : undefined;
    if (!book) return sendProblem(ctx, bookNotFound(id));
    answerBook(ctx, book, 200);
  });

  router.put('/books/:id', jsonBody, async (ctx) => {
    const id = ctx.params.id!;
    if (!isBookId(id)) return sendProblem(ctx, validationProblem([{ pointer: 'id', detail: 'must be a valid book id' }], 400));
    const condition = parseIfMatch(ctx.get('If-Match') || undefined);
    if (condition.kind === 'invalid') {
      return sendProblem(ctx, validationProblem([{ pointer: 'If-Match', detail: 'must be an ETag this service issued, like "3", or *' }], 400));
    }
    const body = bodyOf(ctx, PutBookBody);
    if (!body) return;
    const { title, author, price, stock } = body;
    const outcome = await useCases.putBook.execute({
      id,
      details: { title, author, price },
      ...(stock === undefined ? {} : { stock }),
      ...(condition.kind === 'version' ? { expectedVersion: condition.version } : {}),
      ...(condition.kind === 'any' ? { mustExist: true } : {}),
    });
    answerPut(ctx, outcome);
  });

  router.post('/books/:id/stock-adjustments', jsonBody, idempotent, async (ctx) => {
    const id = ctx.params.id!;
    const body = bodyOf(ctx, StockAdjustmentBody);
    if (!body) return;
    if (!isBookId(id)) return sendProblem(ctx, bookNotFound(id));
    const result = await useCases.adjustStock.execute({ bookId: id, delta: body.delta, reason: body.reason });
    if (E.isLeft(result)) return sendProblem(ctx, problemForRefusal(result.left));
    ctx.status = 201;
    ctx.set('Location', `/books/${encodeURIComponent(id)}/stock-adjustments`);
    ctx.body = toAdjustmentResource(result.right);
  });

  router.get('/books/:id/stock-adjustments', async (ctx) => {
    const id = ctx.params.id!;
    const errors: FieldError[] = [];
    const page = pageQuery(ctx.query, errors, ADJUSTMENT_PAGES);
    if (!page) return sendProblem(ctx, validationProblem(errors, 400));
    const found = isBookId(id)
      ? await useCases.listStockAdjustments.execute({ bookId: id, limit: page.limit, ...(page.after ? { after: page.after } : {}) })
      : undefined;
    if (!found) return sendProblem(ctx, bookNotFound(id));
    ctx.body = {
      adjustments: found.items.map(toAdjustmentResource),
      nextCursor: found.next ? encodeText(JSON.stringify([found.next.at.getTime(), found.next.id])) : null,
    };
  });
}

function problemForRefusal(refusal: AdjustmentRefusal): Problem {
  switch (refusal._tag) {
    case 'BookNotFound':
      return bookNotFound(refusal.bookId);
    case 'InsufficientStock':
      return problem('insufficient-stock', 'Insufficient stock', 409,
        `Book ${JSON.stringify(refusal.bookId)} has ${refusal.available} in stock; the adjustment would take ${refusal.requested}.`,
        { bookId: refusal.bookId, requested: refusal.requested, available: refusal.available });
    case 'StockOverflow':
      return problem('stock-limit-exceeded', 'Stock limit exceeded', 409,
        `A book may have at most ${refusal.max} copies in stock.`, { bookId: refusal.bookId, max: refusal.max });
  }
}

function answerBook(ctx: Context, book: CatalogBook, status: number): void {
  ctx.status = status;
  // The tag covers what a PUT replaces (title, author, price), not the stock, which orders move all the time.
  ctx.set('ETag', `"${book.version}"`);
  ctx.body = toBookResource(book);
}

function answerPut(ctx: Context, outcome: PutBookOutcome): void {
  switch (outcome.kind) {
    case 'created':
      ctx.set('Location', `/books/${encodeURIComponent(outcome.book.id)}`);
      return answerBook(ctx, outcome.book, 201);
    case 'replaced':
      return answerBook(ctx, outcome.book, 200);
    case 'stock-not-settable':
      return sendProblem(ctx, problem('stock-not-settable', 'Stock cannot be set', 409,
        `Book ${JSON.stringify(outcome.current.id)} has ${outcome.current.stock} in stock; a PUT never changes the stock of a book that exists. `
        + 'Use POST /books/{id}/stock-adjustments, or leave stock out.', {
          bookId: outcome.current.id,
          stock: outcome.current.stock,
          adjustments: `/books/${encodeURIComponent(outcome.current.id)}/stock-adjustments`,
        }));
    case 'precondition-failed':
      return sendProblem(ctx, problem('precondition-failed', 'Book has changed', 412, outcome.current
        ? `The book is at version ${outcome.current.version}, not the one the request was based on.`
        : 'The book does not exist, so If-Match cannot match it.',
        outcome.current ? { bookId: outcome.current.id, currentVersion: outcome.current.version } : {}));
    case 'stock-required':
      return sendProblem(ctx, validationProblem([{ pointer: '/stock', detail: 'is required to create a book' }]));
  }
}

const decodeBookCursor = (cursor: string): BookId | undefined => {
  const id = decodeText(cursor);
  return id !== undefined && isBookId(id) ? id : undefined;
};
function decodeAdjustmentCursor(cursor: string): AdjustmentPosition | undefined {
  try {
    const parsed: unknown = JSON.parse(decodeText(cursor) ?? 'null');
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [millis, id] = parsed as unknown[];
    if (!Number.isSafeInteger(millis) || typeof id !== 'string' || id.length > 128) return undefined;
    return { at: new Date(millis as number), id };
  } catch {
    return undefined;
  }
}

const BOOK_PAGES = { defaultLimit: DEFAULT_BOOK_PAGE, maxLimit: MAX_BOOK_PAGE, decodeCursor: decodeBookCursor };
const ADJUSTMENT_PAGES = { defaultLimit: DEFAULT_BOOK_PAGE, maxLimit: MAX_BOOK_PAGE, decodeCursor: decodeAdjustmentCursor };
