import { Metadata, status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { httpErrorOfGrpc } from './http-status.js';
import { watchEventJson } from './json-views.js';
import { SseResponse } from './sse.js';

export interface WatchRelayOptions {
  /** Longest wait for the first message; until it comes, failures are plain HTTP errors. */
  firstMessageMs: number;
  keepaliveMs: number;
}

type OpenWatch = (metadata: Metadata) => ClientReadableStream<WatchAssignmentResponse>;

/**
 * Relays Matcher/WatchAssignment streams as Server-Sent Events. The response starts only once the
 * first message arrives, so a bad token is a plain 401 rather than an event stream that fails.
 */
export class WatchRelay {
  private readonly live = new Set<() => void>();

  constructor(
    private readonly open: OpenWatch,
    private readonly options: WatchRelayOptions,
    private readonly log: Logger,
  ) {}

  /** Serves one GET /match/watch; resolves when the stream is over. Throws (before any byte is sent) on failure. */
  async relay(metadata: Metadata, reply: FastifyReply): Promise<void> {
    const call = this.open(metadata);
    const cancel = (): void => call.cancel();
    // When the HTTP client goes away, so does the gRPC call.
    reply.raw.once('close', cancel);
    const messages: AsyncIterator<WatchAssignmentResponse> = call[Symbol.asyncIterator]();
    let next: IteratorResult<WatchAssignmentResponse>;
    try {
      next = await this.firstMessage(call, messages);
    } catch (err) {
      reply.raw.off('close', cancel);
      if (!reply.raw.destroyed) throw err;
      reply.hijack(); // The client left before the first message: nobody to answer.
      return;
    }
    reply.hijack();
    const sse = new SseResponse(reply.raw);
    const keepalive = setInterval(() => sse.comment('keepalive'), this.options.keepaliveMs);
    let reason = 'ended';
    const endForShutdown = (): void => {
      reason = 'shutdown';
      sse.event('error', { error: 'gateway shutting down, reconnect', code: GrpcStatus[GrpcStatus.UNAVAILABLE] });
      sse.end();
    };
    this.live.add(endForShutdown);
    try {
      while (!next.done) {
        sse.event('status', watchEventJson(next.value));
        next = await messages.next();
      }
    } catch (err) {
      if (sse.closed) {
        if (reason !== 'shutdown') reason = 'client_gone';
      } else {
        reason = 'failed';
        const mapped = httpErrorOfGrpc(err);
        if (mapped.statusCode >= 500) this.log.warn({ err, code: mapped.body.code }, 'watch stream failed');
        sse.event('error', mapped.body);
      }
    } finally {
      clearInterval(keepalive);
      this.live.delete(endForShutdown);
      reply.raw.off('close', cancel);
      sse.end();
      call.cancel();
      this.log.debug({ reason }, 'watch closed');
    }
  }

  /** Ends every open stream with an UNAVAILABLE error event, so clients reconnect elsewhere. */
  endAll(): void {
    for (const end of [...this.live]) end();
  }

  private async firstMessage(
    call: ClientReadableStream<WatchAssignmentResponse>,
    messages: AsyncIterator<WatchAssignmentResponse>,
  ): Promise<IteratorResult<WatchAssignmentResponse>> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      call.cancel();
    }, this.options.firstMessageMs);
    try {
      return await messages.next();
    } catch (err) {
      throw timedOut ? deadlineExceeded() : err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function deadlineExceeded(): ServiceError {
  const details = 'no first message before the deadline';
  return Object.assign(new Error(details), { code: GrpcStatus.DEADLINE_EXCEEDED, details, metadata: new Metadata() });
}
