import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** A generated unary stub method as a promise-returning function with a deadline on every call. */
export function promiseUnary<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  deadlineMs: number,
): (request: Req, metadata?: Metadata, signal?: AbortSignal) => Promise<Res> {
  return (request, metadata = new Metadata(), signal) =>
    new Promise((resolve, reject) => {
      const cancel = (): void => call.cancel();
      const call = method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (err, response) => {
        // A long-lived signal outlives many calls: do not let their listeners pile up on it.
        signal?.removeEventListener('abort', cancel);
        if (err) reject(err);
        else resolve(response);
      });
      signal?.addEventListener('abort', cancel, { once: true });
    });
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
