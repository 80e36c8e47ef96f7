import { status as GrpcStatus } from '@grpc/grpc-js';
import { RefusedReason } from '../gen/mini/room/v1/packets.js';

/** What went wrong, as a game or bot needs to tell it apart. */
export type ClientErrorKind =
  // The Matcher's answers (UNAVAILABLE only once retrying gave up, e.g. on abort).
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'internal'
  // The library's own.
  | 'aborted'
  | 'not_logged_in'
  | 'match_timed_out'
  | 'match_dequeued'
  | 'match_ended'
  | 'connect_timeout'
  | 'refused'
  | 'reconnect_failed';

/** The one error type the client library throws and emits; `grpcCode` is set when a call failed. */
export class ClientError extends Error {
  readonly grpcCode: GrpcStatus | undefined;

  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    options?: { cause?: unknown; grpcCode?: GrpcStatus },
  ) {
    super(message, options);
    this.name = 'ClientError';
    this.grpcCode = options?.grpcCode;
  }
}

const kindOfStatus: Partial<Record<GrpcStatus, ClientErrorKind>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid_argument',
  [GrpcStatus.UNAUTHENTICATED]: 'unauthenticated',
  [GrpcStatus.PERMISSION_DENIED]: 'permission_denied',
  [GrpcStatus.NOT_FOUND]: 'not_found',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [GrpcStatus.CANCELLED]: 'aborted',
};

/** The gRPC status code of a failed call, or undefined for anything else. */
export function grpcCodeOf(err: unknown): GrpcStatus | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code in GrpcStatus ? (code as GrpcStatus) : undefined;
}

/** Maps a failed gRPC call (or anything thrown) to a ClientError; a ClientError passes through. */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  const code = grpcCodeOf(err);
  const kind = code === undefined ? 'internal' : (kindOfStatus[code] ?? 'internal');
  const details = (err as { details?: unknown } | null)?.details;
  const message = typeof details === 'string' && details ? details : err instanceof Error ? err.message : String(err);
  return new ClientError(kind, message, { cause: err, grpcCode: code });
}

/** The error an aborted operation rejects with. */
export function abortedError(signal: AbortSignal): ClientError {
  return new ClientError('aborted', 'aborted', { cause: signal.reason });
}

/** The room refused the connect (packets.proto Refused); `reason` says whether a fresh token can help. */
export class RefusedError extends ClientError {
  constructor(readonly reason: RefusedReason) {
    super('refused', `room refused the connect: ${RefusedReason[reason] ?? reason}`);
  }
}
