import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/** The JSON body of every error the gateway answers. */
export interface ErrorBody {
  error: string;
  /** gRPC status name, e.g. NOT_FOUND, so clients can branch on one vocabulary for REST and gRPC. */
  code: string;
}

/** An HTTP answer for a failed call. */
export interface HttpError {
  statusCode: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

interface Row {
  http: number;
  /** Replaces the upstream details, which for these codes may name internal addresses. */
  message?: string;
  headers?: Record<string, string>;
}

/**
 * The one table from gRPC status to HTTP. Codes not in it answer 500 with a generic message.
 * FAILED_PRECONDITION is 409 (the resource is in the wrong state), not 412, which HTTP keeps for
 * conditional request headers.
 */
const httpOfGrpc: ReadonlyMap<GrpcStatus, Row> = new Map<GrpcStatus, Row>([
  [GrpcStatus.INVALID_ARGUMENT, { http: 400 }],
  [GrpcStatus.UNAUTHENTICATED, { http: 401, headers: { 'www-authenticate': 'Bearer' } }],
  [GrpcStatus.PERMISSION_DENIED, { http: 403 }],
  [GrpcStatus.NOT_FOUND, { http: 404 }],
  [GrpcStatus.ALREADY_EXISTS, { http: 409 }],
  [GrpcStatus.FAILED_PRECONDITION, { http: 409 }],
  [GrpcStatus.RESOURCE_EXHAUSTED, { http: 429 }],
  [GrpcStatus.UNAVAILABLE, { http: 503, message: 'service unavailable, retry later', headers: { 'retry-after': '1' } }],
  [GrpcStatus.DEADLINE_EXCEEDED, { http: 504, message: 'upstream deadline exceeded' }],
]);

/** True for the error a grpc-js client call fails with. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

/**
 * The HTTP answer for an error from a gRPC call. Anything that is not a known status (or not a
 * gRPC error at all) is a 500 whose cause stays in the log.
 */
export function httpErrorOfGrpc(err: unknown): HttpError {
  if (!isServiceError(err)) return internalError('INTERNAL');
  const name = GrpcStatus[err.code] ?? 'UNKNOWN';
  const row = httpOfGrpc.get(err.code);
  if (!row) return internalError(name);
  return {
    statusCode: row.http,
    headers: row.headers ?? {},
    body: { error: row.message ?? (err.details || name.toLowerCase().replaceAll('_', ' ')), code: name },
  };
}

function internalError(code: string): HttpError {
  return { statusCode: 500, headers: {}, body: { error: 'internal error', code } };
}
