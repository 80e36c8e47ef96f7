import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

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

const unavailable: Row = { http: 503, message: 'service unavailable, retry later', headers: { 'retry-after': '1' } };

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
  [GrpcStatus.UNAVAILABLE, unavailable],
  [GrpcStatus.DEADLINE_EXCEEDED, { http: 504, message: 'upstream deadline exceeded' }],
]);

/**
 * grpc-js's details for a call the HTTP/2 connection ended before the Matcher sent a status: a
 * stream reset, or a connection closed under it (a GOAWAY). Those come as INTERNAL, CANCELLED or
 * RESOURCE_EXHAUSTED, but say nothing about the request: the next try, on a new connection, may work.
 */
const transportFailure = /^(Received RST_STREAM with code \d+|Call cancelled$|Connection dropped$|Bandwidth exhausted or memory limit exceeded$)/;

/** True for the error a grpc-js client call fails with. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

/**
 * The HTTP answer for an error from a gRPC call. A transport failure is UNAVAILABLE (503, retry);
 * anything that is not a known status (or not a gRPC error at all) is a 500 whose cause stays in the log.
 */
export function httpErrorOfGrpc(err: unknown): HttpError {
  if (!isServiceError(err)) return internalError('INTERNAL');
  const transport = err.code !== GrpcStatus.UNAVAILABLE && transportFailure.test(err.details);
  const code = transport ? GrpcStatus.UNAVAILABLE : err.code;
  const name = GrpcStatus[code] ?? 'UNKNOWN';
  const row = httpOfGrpc.get(code);
  if (!row) return internalError(name);
  return {
    statusCode: row.http,
    headers: row.headers ?? {},
    body: { error: row.message ?? (err.details || name.toLowerCase().replaceAll('_', ' ')), code: name },
  };
}

/** An error shaped like a failed gRPC call, so that this table answers what the gateway refuses itself. */
export function grpcError(code: GrpcStatus, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

function internalError(code: string): HttpError {
  return { statusCode: 500, headers: {}, body: { error: 'internal error', code } };
}
