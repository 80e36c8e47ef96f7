import { connect, constants, type ClientHttp2Session } from 'node:http2';

/**
 * A lean unary gRPC caller over Node's http2 module, for load generation only: it frames the
 * request, reads the grpc-status trailer and nothing else, so the load generator spends far less
 * CPU per call than a full grpc-js client and can drive a server harder from one core.
 */
export class RawGrpcChannel {
  private readonly session: ClientHttp2Session;

  constructor(address: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => {});
  }

  /** Sends one unary call; resolves on grpc-status 0, rejects with the status otherwise. */
  call(path: string, message: Uint8Array, headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame.writeUInt8(0, 0);
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      stream.end(frame);
      stream.on('data', () => {});
      let status: string | undefined;
      stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
      stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      stream.on('error', reject);
      stream.on('close', () => (status === '0' ? resolve() : reject(new Error(`grpc-status ${status}`))));
    });
  }

  close(): void {
    this.session.close();
  }
}
