import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Interpret } from './storage-service-client.js';

/** A Book as the storage service sends it; seller_id and description are not ours to keep and are dropped. */
export const WireBook = t.exact(t.type({ id: t.string, title: t.string, author: t.string, price: t.number, quantity: t.number }));
export type WireBook = t.TypeOf<typeof WireBook>;

/** A Book with what is not ours but must survive a `books/update`, which replaces the whole record. */
export const WireBookRecord = t.exact(t.intersection([
  t.type({ id: t.string, title: t.string, author: t.string, price: t.number, quantity: t.number }),
  t.partial({ seller_id: t.string, description: t.string }),
]));
export type WireBookRecord = t.TypeOf<typeof WireBookRecord>;

/** The storage Order: everything it can hold. `price` is the order total in currency units. */
export const WireOrder = t.exact(
  t.type({
    id: t.string,
    book_id: t.string,
    user_id: t.string,
    status: t.string,
    price: t.number,
    quantity: t.number,
    created: t.string,
  }),
);
export type WireOrder = t.TypeOf<typeof WireOrder>;

export const WireStock = t.exact(t.type({ quantity: t.number }));

/** Entries stay unknown here: one record we cannot read must not hide every other one. */
export const WireOrderList = t.exact(t.type({ orders: t.array(t.unknown) }));

type Reader<A> = (body: string) => E.Either<string, A>;

/** The body as JSON of the codec's shape, then `check`ed; the first offending path names the refusal. */
export const json = <A>(codec: t.Decoder<unknown, A>, check: (value: A) => string | undefined = () => undefined): Reader<A> =>
  (body) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return E.left(`body is not JSON: ${excerpt(body)}`);
    }
    const decoded = codec.decode(parsed);
    if (E.isLeft(decoded)) {
      const path = decoded.left[0]?.context.map((entry) => entry.key).filter(Boolean).join('.');
      return E.left(`body is not the expected shape (at ${path || 'top level'}): ${excerpt(body)}`);
    }
    const problem = check(decoded.right);
    return problem === undefined ? E.right(decoded.right) : E.left(problem);
  };

/** A reader whose value is mapped by `f`. */
export const mapped = <A, B>(read: Reader<A>, f: (value: A) => B): Reader<B> => (body) => E.map(f)(read(body));

/** A plain-text error answer with exactly this message, read as `value`. */
export const message = <A>(expected: string, value: A): Reader<A> => (body) =>
  body.trim() === expected ? E.right(value) : E.left(`unexpected error text: ${excerpt(body)}`);

/** The readers for the statuses the wire document allows; any other status is a refusal. */
export const answers = <A>(cases: Readonly<Partial<Record<number, Reader<A>>>>): Interpret<A> => (status, body) => {
  const read = cases[status];
  return read ? read(body) : E.left(`unexpected status ${status}: ${excerpt(body)}`);
};

const excerpt = (body: string): string => JSON.stringify(body.length > 80 ? `${body.slice(0, 80)}…` : body);
