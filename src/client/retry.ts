import { status as GrpcStatus } from '@grpc/grpc-js';
import { backoffDelayMs, delay, type BackoffPolicy } from './backoff.js';
import { abortedError, grpcCodeOf, toClientError } from './errors.js';

/** How a call is retried: the backoff, what stops it, and a hook to show the user what is going on. */
export interface RetryOptions {
  backoff: BackoffPolicy;
  signal?: AbortSignal;
  /** Called before each wait with the failure and the wait. */
  onRetry?: (err: unknown, delayMs: number) => void;
  /** A number in [0, 1) for the jitter; Math.random by default. */
  random?: () => number;
}

/**
 * Runs `call` until it succeeds, retrying with backoff while it fails UNAVAILABLE (Matcher or Redis
 * down). Any other failure rejects at once as a ClientError; an abort rejects with kind `aborted`.
 */
export async function retryUnavailable<T>(call: (signal?: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortedError(options.signal);
    try {
      return await call(options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw abortedError(options.signal);
      if (grpcCodeOf(err) !== GrpcStatus.UNAVAILABLE) throw toClientError(err);
      const waitMs = backoffDelayMs(attempt, options.backoff, random());
      options.onRetry?.(err, waitMs);
      await delay(waitMs, options.signal);
    }
  }
}
