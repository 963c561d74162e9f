import { DEFAULT_BOOK_PAGE, MAX_BOOK_PAGE } from '../../../application/manage-books.use-case.js';
import { MAX_REASON_LENGTH, MAX_STOCK, MAX_TITLE_LENGTH } from '../../../domain/book-catalog.js';
import { MAX_PRICE_CENTS } from '../../../domain/money.js';
import { problems, securedOperation, withRequestId, type SchemaName } from './openapi.schemas.js';

/*
 * The paths and schemas of /books: the catalog and its stock. Merged into /openapi.json by openapi.document.ts.
 */

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const identifier = ref('Identifier');
const text = { type: 'string', minLength: 1, maxLength: MAX_TITLE_LENGTH, pattern: '^(?![\\s\\S]*[\\u0000-\\u001f\\u007f])(?=[\\s\\S]*\\S)' };
const price = { type: 'number', minimum: 0, maximum: MAX_PRICE_CENTS / 100, multipleOf: 0.01, description: 'Currency units, at most two decimals.' };
const stock = { type: 'integer', minimum: 0, maximum: MAX_STOCK };

export const bookSchemas = {
  Book: {
    type: 'object', additionalProperties: false, required: ['id', 'title', 'author', 'price', 'stock'],
    properties: { id: identifier, title: text, author: text, price, stock },
  },
  BookPage: {
    type: 'object', additionalProperties: false, required: ['books', 'nextCursor'],
    properties: { books: { type: 'array', items: ref('Book') }, nextCursor: { type: ['string', 'null'] } },
  },
  PutBook: {
    type: 'object', required: ['title', 'author', 'price'],
    description: '`stock` is required to create a book; for a book that exists it may be left out, and must equal its stock when given.',
    properties: { title: text, author: text, price, stock },
  },
  StockAdjustmentRequest: {
    type: 'object', required: ['delta', 'reason'],
    properties: {
      delta: { type: 'integer', minimum: -MAX_STOCK, maximum: MAX_STOCK, not: { const: 0 }, description: 'Copies added (positive) or taken away (negative).' },
      reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, examples: ['restock', 'damaged in transit'] },
    },
  },
  StockAdjustment: {
    type: 'object', additionalProperties: false, required: ['id', 'bookId', 'delta', 'stock', 'reason', 'at'],
    properties: {
      id: { type: 'string' }, bookId: identifier, delta: { type: 'integer' },
      stock: { ...stock, description: 'The stock right after this adjustment.' },
      reason: { type: 'string' }, at: { type: 'string', format: 'date-time' },
    },
  },
  StockAdjustmentPage: {
    type: 'object', additionalProperties: false, required: ['adjustments', 'nextCursor'],
    properties: { adjustments: { type: 'array', items: ref('StockAdjustment') }, nextCursor: { type: ['string', 'null'] } },
  },
  StockNotSettableProblem: problemOf('stock-not-settable', { bookId: { type: 'string' }, stock: { type: 'integer' }, adjustments: { type: 'string' } }),
  BookPreconditionProblem: problemOf('precondition-failed', { bookId: { type: 'string' }, currentVersion: { type: 'integer' } }),
  StockLimitProblem: problemOf('stock-limit-exceeded', { bookId: { type: 'string' }, max: { type: 'integer' } }),
  ForbiddenProblem: problemOf('forbidden', {}),
};
type BookSchemaName = keyof typeof bookSchemas;

function problemOf(slug: string, extensions: Record<string, object>) {
  return { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { type: { const: `/problems/${slug}` }, ...extensions } }] };
}

const answer = (description: string, name: BookSchemaName, headerNames: Array<'ETag' | 'Location' | 'Idempotent-Replayed'> = []) => ({
  description, headers: withRequestId(headerNames), content: { 'application/json': { schema: ref(name) } },
});
const problem = (description: string, names: Array<BookSchemaName | SchemaName>) => ({
  ...problems(description, []),
  content: { 'application/problem+json': { schema: names.length === 1 ? ref(names[0]!) : { oneOf: names.map(ref) } } },
});
const common = {
  500: problems('A bug; the detail quotes the request id.', ['InternalErrorProblem']),
  503: problems('The storage backend failed; the detail says whether the change may have been applied.', ['DependencyProblem'], ['Retry-After']),
};
const bodyFailures = {
  413: problems('The body is larger than 64 KiB.', ['PayloadTooLargeProblem']),
  415: problems('The body is not application/json.', ['UnsupportedMediaTypeProblem']),
};
const adminOnly = { 403: problem('ADMIN_TOKENS is set and the token is not one of them.', ['ForbiddenProblem']) };
const bookId = { name: 'id', in: 'path', required: true, schema: identifier };
const page = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_BOOK_PAGE, default: DEFAULT_BOOK_PAGE } },
  { name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 1024 }, description: 'A nextCursor from an earlier page.' },
];
const badQuery = { 400: problems('A parameter is invalid.', ['ValidationProblem']) };
const notFound = { 404: problems('No such book.', ['BookNotFoundProblem']) };
const writeNote = 'Needs a token of ADMIN_TOKENS when that is set; otherwise follows AUTH_TOKENS like every other route.';

export const bookPaths = {
  '/books': {
    get: securedOperation({
      summary: 'List the catalog', operationId: 'listBooks', tags: ['books'], parameters: page,
      responses: { 200: answer('A page of books, ordered by id.', 'BookPage'), ...badQuery, ...common },
    }),
  },
  '/books/{id}': {
    get: securedOperation({
      summary: 'Read a book', operationId: 'getBook', tags: ['books'], parameters: [bookId],
      responses: { 200: answer('The book; the ETag covers title, author and price, not the stock.', 'Book', ['ETag']), ...notFound, ...common },
    }),
    put: securedOperation({
      summary: 'Create a book, or replace its title, author and price', operationId: 'putBook', tags: ['books'],
      description: `${writeNote} A new price applies to orders placed afterwards. The stock of an existing book is never set here.`,
      parameters: [bookId, { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag of the book as read ("3"), or * for "only if it exists".' }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('PutBook') } } },
      responses: {
        200: answer('The book with its new details.', 'Book', ['ETag']),
        201: answer('The book, created with its stock.', 'Book', ['ETag', 'Location']),
        400: problems('Malformed JSON, a bad id, or an If-Match this service did not issue.', ['MalformedJsonProblem', 'ValidationProblem']),
        ...adminOnly,
        409: problem('The book exists and `stock` differs from its stock: use the stock-adjustments route.', ['StockNotSettableProblem']),
        412: problem('If-Match does not match the book (or the book does not exist).', ['BookPreconditionProblem']),
        422: problems('A field is invalid, or a new book has no stock.', ['ValidationProblem']),
        ...bodyFailures, ...common,
      },
    }),
  },
  '/books/{id}/stock-adjustments': {
    get: securedOperation({
      summary: "List a book's stock adjustments", operationId: 'listStockAdjustments', tags: ['books'], parameters: [bookId, ...page],
      responses: { 200: answer('A page of the ledger, newest first.', 'StockAdjustmentPage'), ...badQuery, ...notFound, ...common },
    }),
    post: securedOperation({
      summary: "Adjust a book's stock", operationId: 'adjustStock', tags: ['books'],
      description: `${writeNote} Atomic with the orders racing it; kept in the book's ledger and announced as com.avakart.book.stock-adjusted.`,
      parameters: [bookId, {
        name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
        description: 'A retry with the same key and body gets the first answer again and adjusts nothing.',
      }],
      requestBody: { required: true, content: { 'application/json': { schema: ref('StockAdjustmentRequest') } } },
      responses: {
        201: answer('The adjustment, with the stock it left (or the first answer again, for a repeated Idempotency-Key).', 'StockAdjustment', ['Location', 'Idempotent-Replayed']),
        400: problems('Malformed JSON, or an Idempotency-Key that is not 1 to 255 visible characters.', ['MalformedJsonProblem', 'ValidationProblem']),
        ...adminOnly, ...notFound,
        409: problem('The stock would fall below zero or above its limit (nothing changed), or a request with this Idempotency-Key is still running.',
          ['InsufficientStockProblem', 'StockLimitProblem', 'IdempotencyInFlightProblem']),
        422: problems('A field is invalid, or the Idempotency-Key came with another body.', ['ValidationProblem', 'IdempotencyKeyReusedProblem']),
        ...bodyFailures, ...common,
      },
    }),
  },
};
