import { Metadata, status as GrpcStatus, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracer, withTraceContext } from '../telemetry/trace-context.js';

/**
 * Channel options for a client of a service close by: when every address of the target is down, it
 * tries again within a couple of seconds of one coming back (gRPC's own default backs off up to two
 * minutes).
 */
export const reconnectBackoff = { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 2000 };

/**
 * For our services' channels to the Matcher (a room server's registry link, the gateway): a ping every
 * second, calls or not, so that a replica that hangs or vanishes without closing its connection is
 * given up within about two seconds and pick_first moves to the next address of the target, well
 * inside a room server's lease. (A replica that exits closes its connection and is left at once.)
 */
export const matcherChannelOptions = {
  ...reconnectBackoff,
  'grpc.keepalive_time_ms': 1000,
  'grpc.keepalive_timeout_ms': 1000,
  'grpc.keepalive_permit_without_calls': 1,
};

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * A generated unary stub method as a promise-returning function with a deadline on every call. Each
 * call is a client span whose context travels in the metadata, so the server's span continues the trace.
 */
export function promiseUnary<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  deadlineMs: number,
): (request: Req, metadata?: Metadata, signal?: AbortSignal) => Promise<Res> {
  // grpc-js puts the method's path (/package.Service/Method) on each stub method.
  const spanName = ((method as { path?: string }).path ?? method.name).replace(/^\//, '');
  return (request, metadata = new Metadata(), signal) => {
    const span = tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } });
    const outgoing = withTraceContext(metadata, trace.setSpan(context.active(), span));
    return new Promise((resolve, reject) => {
      const settle = (err: ServiceError | null, response?: Res): void => {
        span.setAttribute('rpc.grpc.status_code', err ? err.code : GrpcStatus.OK);
        if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: GrpcStatus[err.code] });
        span.end();
        if (err) reject(err);
        else resolve(response!);
      };
      const cancel = (): void => call.cancel();
      let call: ClientUnaryCall;
      try {
        call = method.call(client, request, outgoing, { deadline: Date.now() + deadlineMs }, (err, response) => {
          // A long-lived signal outlives many calls: do not let their listeners pile up on it.
          signal?.removeEventListener('abort', cancel);
          settle(err, response);
        });
      } catch (err) {
        // grpc-js throws at once on a closed client.
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
        span.end();
        throw err;
      }
      signal?.addEventListener('abort', cancel, { once: true });
    });
  };
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
