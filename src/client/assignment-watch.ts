import { status as GrpcStatus, type ClientReadableStream } from '@grpc/grpc-js';
import { TicketStatus, type WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { backoffDelayMs, delay } from './backoff.js';
import { abortedError, grpcCodeOf, toClientError } from './errors.js';
import type { RetryOptions } from './retry.js';

/** Statuses after which the Matcher ends the stream: nothing more will change for this ticket. */
export function isTerminalStatus(status: TicketStatus): boolean {
  return (
    status === TicketStatus.TICKET_STATUS_TIMED_OUT ||
    status === TicketStatus.TICKET_STATUS_DEQUEUED ||
    status === TicketStatus.TICKET_STATUS_ENDED
  );
}

// UNAVAILABLE: Matcher or Redis down, or the Matcher shutting down; DEADLINE_EXCEEDED: the stream's
// own deadline ran out. Both are worth a new stream; anything else is the caller's to see.
const reopenCodes = new Set<GrpcStatus | undefined>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]);

/**
 * Matcher/WatchAssignment that survives outages: yields the current status and every change, and
 * opens a new stream (after a backoff) when one fails UNAVAILABLE or ends before a terminal status.
 * A new stream starts with the current status, so nothing that changed meanwhile is missed. Returns
 * after yielding a terminal status; throws a ClientError on any other failure or on abort.
 */
export async function* watchWithReopen(
  open: () => ClientReadableStream<WatchAssignmentResponse>,
  options: RetryOptions,
): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
  const { signal } = options;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw abortedError(signal);
    const call = open();
    const cancel = (): void => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    let failure: unknown = new Error('watch stream ended before a terminal status');
    try {
      for await (const event of call as AsyncIterable<WatchAssignmentResponse>) {
        attempt = 0;
        yield event;
        if (isTerminalStatus(event.status)) return;
      }
    } catch (err) {
      if (signal?.aborted) throw abortedError(signal);
      if (!reopenCodes.has(grpcCodeOf(err))) throw toClientError(err);
      failure = err;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
    const waitMs = backoffDelayMs(attempt, options.backoff, random());
    options.onRetry?.(failure, waitMs);
    await delay(waitMs, signal);
  }
}
