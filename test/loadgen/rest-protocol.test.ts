import { status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import { Slot, TicketStatus } from '../../src/gen/mini/matcher/v1/matcher.js';
import { toClientError } from '../../src/client/errors.js';
import { restErrorOf, watchResponseOfJson } from '../../src/loadgen/rest-json.js';

describe('loadgen REST matchmaking: the gateway’s wire format (pure)', () => {
  it('turns a watch event into the proto message the client library’s findMatch reads', () => {
    const json = {
      status: 'ASSIGNED',
      assignment: { room_id: 'r1', room_addr: '127.0.0.1:7777', opponent_id: 'p2', connect_token: 't', connect_token_expires_at_ms: 5, slot: 'RIGHT', assigned_at_ms: 4, room_epoch: 2 },
      changed_at_ms: 3,
    };
    expect(watchResponseOfJson(json)).to.deep.equal({
      status: TicketStatus.TICKET_STATUS_ASSIGNED,
      assignment: { roomId: 'r1', roomAddr: '127.0.0.1:7777', opponentId: 'p2', connectToken: 't', connectTokenExpiresAtMs: 5, slot: Slot.SLOT_RIGHT, assignedAtMs: 4, roomEpoch: 2 },
      changedAtMs: 3,
    });
    expect(watchResponseOfJson({ status: 'QUEUED', assignment: null, changed_at_ms: 1 })).to.deep.equal({ status: TicketStatus.TICKET_STATUS_QUEUED, assignment: undefined, changedAtMs: 1 });
  });

  it('maps gateway errors to the client library’s errors: by the body’s code, else by HTTP status', () => {
    const unavailable = restErrorOf(503, { error: 'service unavailable, retry later', code: 'UNAVAILABLE' });
    expect(unavailable.code).to.equal(GrpcStatus.UNAVAILABLE);
    expect(toClientError(unavailable)).to.include({ kind: 'unavailable', grpcCode: GrpcStatus.UNAVAILABLE, message: 'service unavailable, retry later' });
    expect(toClientError(restErrorOf(404, { error: 'no assignment', code: 'NOT_FOUND' })).kind).to.equal('not_found');
    expect(toClientError(restErrorOf(401, undefined)).kind).to.equal('unauthenticated');
    expect(toClientError(restErrorOf(502, '<html>')).kind).to.equal('unavailable');
    expect(toClientError(restErrorOf(418, {})).kind).to.equal('internal');
  });
});
