import {
  status as GrpcStatus,
  type Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AppError, grpcStatusOfKind } from '../errors.js';
import { LogThrottle } from '../log-throttle.js';
import { redisFailure } from '../redis/errors.js';

/** An outage fails every call alike: each method says so at most once in this long. */
const outageLogIntervalMs = 5000;

/** What a handler sees of its call besides the request. */
export interface CallContext {
  metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  method: string;
}

/**
 * The one place errors become gRPC statuses: AppError by its kind, unreachable Redis (or Redis
 * refusing writes) as UNAVAILABLE, anything else INTERNAL with a generic message (the cause goes to
 * the log, never to the caller). Outage warnings are throttled per method.
 */
function toServiceError(err: unknown, log: Logger, method: string, outages: LogThrottle): { code: GrpcStatus; details: string } {
  const mapped = redisFailure(err);
  if (mapped instanceof AppError) {
    if (mapped.kind === 'internal') log.warn({ method, err: mapped.cause ?? mapped }, mapped.message);
    if (mapped.kind === 'unavailable') {
      const line = outages.take();
      if (line) log.warn({ method, err: (mapped.cause as Error | undefined)?.message ?? mapped.message, suppressed: line.suppressed }, mapped.message);
    }
    return { code: grpcStatusOfKind[mapped.kind], details: mapped.message };
  }
  log.error({ method, err }, 'unexpected error');
  return { code: GrpcStatus.INTERNAL, details: 'internal error' };
}

/** Adapts an async function to grpc-js's unary callback style, mapping thrown errors once. */
export function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  const outages = new LogThrottle(outageLogIntervalMs);
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    fn(call.request, lazyContext(call, method)).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err, log, method, outages)),
    );
  };
}

/**
 * Adapts an async generator to a grpc-js server stream: each yielded message is written (waiting on
 * back-pressure), the stream ends when the generator returns, and a thrown error ends it with a status.
 */
export function serverStream<Req, Res>(
  log: Logger,
  method: string,
  fn: (request: Req, ctx: CallContext) => AsyncIterable<Res>,
): handleServerStreamingCall<Req, Res> {
  const outages = new LogThrottle(outageLogIntervalMs);
  return (call: ServerWritableStream<Req, Res>) => {
    const abort = new AbortController();
    call.once('cancelled', () => abort.abort());
    call.once('close', () => abort.abort());
    const pump = async (): Promise<void> => {
      for await (const message of fn(call.request, { metadata: call.metadata, signal: abort.signal, method })) {
        if (abort.signal.aborted) return;
        if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
      }
    };
    pump().then(
      () => {
        if (!abort.signal.aborted) call.end();
      },
      (err: unknown) => {
        if (!abort.signal.aborted) call.emit('error', toServiceError(err, log, method, outages));
      },
    );
  };
}

/** A context whose abort signal is made only if a handler asks for it (most unary handlers don't). */
function lazyContext(call: ServerUnaryCall<unknown, unknown>, method: string): CallContext {
  let abort: AbortController | undefined;
  return {
    metadata: call.metadata,
    method,
    get signal() {
      if (!abort) {
        const controller = (abort = new AbortController());
        call.once('cancelled', () => controller.abort());
      }
      return abort.signal;
    },
  };
}

/** The token of an `authorization: Bearer <token>` header, or undefined. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
