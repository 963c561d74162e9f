/**
 * A store or service the use cases depend on failed (unreachable, timed out, answered garbage). Adapters throw it;
 * the HTTP adapter answers 503 with Retry-After. `outcomeUnknown` says the change may or may not have been applied,
 * which recovery settles later.
 */
export class DependencyFailure extends Error {
  override readonly name = 'DependencyFailure';

  constructor(
    readonly dependency: string,
    message: string,
    readonly options: {
      readonly cause?: unknown;
      readonly outcomeUnknown?: boolean;
      readonly retryAfterSeconds?: number;
      /** The order the failed request had already recorded, so the client can read it before retrying. */
      readonly orderId?: string;
    } = {},
  ) {
    super(message, { cause: options.cause });
  }
}
