import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { httpErrorOfGrpc } from '../../src/gateway/http-status.js';

/** A failed call's error as grpc-js makes it. */
function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe('gRPC status → HTTP (the one table)', () => {
  it('answers a failure of the connection to the Matcher 503 with Retry-After, never 500', () => {
    // As grpc-js reports a stream the Matcher's HTTP/2 layer reset, or a connection it ended (GOAWAY).
    const transport: [status, string][] = [
      [status.INTERNAL, 'Received RST_STREAM with code 2 triggered by internal client error: Session closed with error code 2'],
      [status.INTERNAL, 'Received RST_STREAM with code 2 (Internal server error)'],
      [status.INTERNAL, 'Received RST_STREAM with code 0 (Call ended without gRPC status)'],
      [status.INTERNAL, 'Received RST_STREAM with code 1'],
      [status.CANCELLED, 'Call cancelled'],
      [status.RESOURCE_EXHAUSTED, 'Bandwidth exhausted or memory limit exceeded'],
      [status.UNAVAILABLE, 'Connection dropped'],
      [status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'],
    ];
    for (const [code, details] of transport) {
      expect(httpErrorOfGrpc(grpcError(code, details)), details).to.deep.equal({
        statusCode: 503,
        headers: { 'retry-after': '1' },
        body: { error: 'service unavailable, retry later', code: 'UNAVAILABLE' },
      });
    }
  });

  it('keeps what the Matcher itself answered', () => {
    expect(httpErrorOfGrpc(grpcError(status.INTERNAL, 'internal error')).statusCode).to.equal(500);
    expect(httpErrorOfGrpc(grpcError(status.CANCELLED, 'the call was cancelled by the server handler')).statusCode).to.equal(500);
    const quota = httpErrorOfGrpc(grpcError(status.RESOURCE_EXHAUSTED, 'too many watches open for this player: the oldest was closed'));
    expect(quota).to.deep.include({ statusCode: 429, body: { error: 'too many watches open for this player: the oldest was closed', code: 'RESOURCE_EXHAUSTED' } });
    expect(httpErrorOfGrpc(grpcError(status.NOT_FOUND, 'not assigned')).statusCode).to.equal(404);
  });
});
