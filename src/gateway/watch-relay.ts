import { status as GrpcStatus, type ClientReadableStream, type Metadata } from '@grpc/grpc-js';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { grpcError, httpErrorOfGrpc } from './http-status.js';
import { watchEventJson } from './json-views.js';
import { SseResponse } from './sse.js';

export interface WatchRelayOptions {
  /** Longest wait for the first message; until it comes, failures are plain HTTP errors. */
  firstMessageMs: number;
  /** Longest a stream lasts; then `event: error` DEADLINE_EXCEEDED, and the client opens a new one. */
  streamMs: number;
  keepaliveMs: number;
}

/** Where the relay's streams come from (WatchChannels): it opens them, and releases each when done. */
export interface WatchUpstream {
  open(metadata: Metadata): ClientReadableStream<WatchAssignmentResponse>;
  release(call: ClientReadableStream<WatchAssignmentResponse>): void;
}

type Outcome =
  | { kind: 'ended' }
  | { kind: 'failed'; err: unknown }
  | { kind: 'client_gone' }
  | { kind: 'shutdown' };

/**
 * Relays Matcher/WatchAssignment streams as Server-Sent Events. The response starts only once the
 * first message arrives, so a bad token is a plain 401 rather than an event stream that fails. The
 * relay never cancels a stream itself: it releases it to the upstream, which paces cancellations.
 */
export class WatchRelay {
  private readonly live = new Set<() => void>();

  constructor(
    private readonly upstream: WatchUpstream,
    private readonly options: WatchRelayOptions,
    private readonly log: Logger,
  ) {}

  /** Serves one GET /match/watch; resolves when the stream is over. Throws (before any byte is sent) on failure. */
  async relay(metadata: Metadata, reply: FastifyReply): Promise<void> {
    const call = this.upstream.open(metadata);
    const raw = reply.raw;
    let sse: SseResponse | undefined;
    let keepalive: NodeJS.Timeout | undefined;
    let settle!: (outcome: Outcome) => void;
    const over = new Promise<Outcome>((resolve) => (settle = resolve));
    const onData = (message: WatchAssignmentResponse): void => {
      if (!sse) {
        reply.hijack();
        sse = new SseResponse(raw);
        keepalive = setInterval(() => sse?.comment('keepalive'), this.options.keepaliveMs);
      }
      sse.event('status', watchEventJson(message));
    };
    const onError = (err: unknown): void => settle({ kind: 'failed', err });
    const onEnd = (): void => settle({ kind: 'ended' });
    const onClose = (): void => settle({ kind: 'client_gone' });
    // At once, not after the await: the server closes the connections idle right after this.
    const endForShutdown = (): void => {
      sse?.event('error', { error: 'gateway shutting down, reconnect', code: GrpcStatus[GrpcStatus.UNAVAILABLE] });
      sse?.end();
      settle({ kind: 'shutdown' });
    };
    call.on('data', onData);
    call.on('error', onError);
    call.on('end', onEnd);
    raw.once('close', onClose);
    this.live.add(endForShutdown);
    const firstMessageTimer = setTimeout(() => {
      if (!sse) settle({ kind: 'failed', err: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'no first message before the deadline') });
    }, this.options.firstMessageMs);
    const streamTimer = setTimeout(
      () => settle({ kind: 'failed', err: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'watch stream deadline reached, watch again') }),
      this.options.streamMs,
    );

    const outcome = await over;
    clearTimeout(firstMessageTimer);
    clearTimeout(streamTimer);
    clearInterval(keepalive);
    this.live.delete(endForShutdown);
    raw.off('close', onClose);
    call.off('data', onData);
    call.off('end', onEnd);
    call.off('error', onError);
    // The stream stays readable until its cancellation is sent: drop what it still delivers, and
    // its CANCELLED error then.
    call.on('error', () => {});
    call.resume();
    this.upstream.release(call);

    if (!sse) {
      if (raw.destroyed) {
        reply.hijack(); // The client left before the first message: nobody to answer.
        return;
      }
      if (outcome.kind === 'failed') throw outcome.err;
      throw grpcError(GrpcStatus.UNAVAILABLE, outcome.kind === 'shutdown' ? 'gateway shutting down' : 'watch ended before its first message');
    }
    if (outcome.kind === 'failed') {
      const mapped = httpErrorOfGrpc(outcome.err);
      if (mapped.statusCode >= 500 && mapped.statusCode !== 504) this.log.warn({ err: outcome.err, code: mapped.body.code }, 'watch stream failed');
      sse.event('error', mapped.body);
    }
    sse.end();
    this.log.debug({ reason: outcome.kind }, 'watch closed');
  }

  /** Ends every open stream with an UNAVAILABLE error event, so clients reconnect elsewhere. */
  endAll(): void {
    for (const end of [...this.live]) end();
  }
}
