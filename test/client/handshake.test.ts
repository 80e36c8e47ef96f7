import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { Packet, RefusedReason, type Welcome } from '../../src/gen/mini/room/v1/packets.js';
import { onHandshakePacket, onHandshakeTimer, startHandshake, type HandshakeState } from '../../src/client/handshake.js';
import { CONNECT_REQUEST_BYTES } from '../../src/client/packets.js';

const timing = { retransmitMs: 100, timeoutMs: 3000 };
const cookie = Buffer.from('cookie-from-the-room');
const welcome: Welcome = { roomId: 'r1', slot: Slot.SLOT_RIGHT, connectionId: 7, tick: 12, ticksPerSecond: 60, resumed: false, lastInputSeq: 0 };

describe('client handshake state machine (pure)', () => {
  const started = () => startHandshake('token-1', 1000);
  const responding = () => onHandshakePacket(started().state, { challenge: { cookie } }, 1010).state;

  it('starts by sending a padded ConnectRequest with the token', () => {
    const { state, send } = started();
    expect(state.phase).to.equal('requesting');
    expect(send?.connectRequest?.connectToken).to.equal('token-1');
    expect(Packet.encode(send!).finish().length).to.be.at.least(CONNECT_REQUEST_BYTES);
  });

  it('answers a Challenge at once with ConnectResponse{token, cookie}', () => {
    const { state, send } = onHandshakePacket(started().state, { challenge: { cookie } }, 1010);
    expect(state.phase).to.equal('responding');
    expect(send).to.deep.equal({ connectResponse: { connectToken: 'token-1', cookie } });
  });

  it('takes the newest cookie when the room challenges again', () => {
    const fresh = Buffer.from('second-cookie');
    const { send } = onHandshakePacket(responding(), { challenge: { cookie: fresh } }, 1020);
    expect(send?.connectResponse?.cookie).to.deep.equal(fresh);
  });

  it('finishes on Welcome', () => {
    const { state, send } = onHandshakePacket(responding(), { welcome }, 1030);
    expect(state).to.deep.equal({ phase: 'welcomed', welcome });
    expect(send).to.equal(undefined);
  });

  it('counts Refused only after the challenge, as the room sends it only then', () => {
    const refused = { refused: { reason: RefusedReason.REFUSED_REASON_SEAT_TAKEN } };
    expect(onHandshakePacket(started().state, refused, 1005).state.phase).to.equal('requesting');
    expect(onHandshakePacket(responding(), refused, 1030).state).to.deep.equal({ phase: 'refused', reason: RefusedReason.REFUSED_REASON_SEAT_TAKEN });
  });

  it('ignores packets that do not belong to a handshake, and anything once finished', () => {
    const state = responding();
    expect(onHandshakePacket(state, { snapshot: undefined, keepalive: { connectionId: 1 } }, 1030)).to.deep.equal({ state });
    const done: HandshakeState = { phase: 'welcomed', welcome };
    expect(onHandshakePacket(done, { challenge: { cookie } }, 1040)).to.deep.equal({ state: done });
  });

  it('retransmits the pending packet every retransmitMs, not sooner', () => {
    const { state } = started();
    expect(onHandshakeTimer(state, 1099, timing).send).to.equal(undefined);
    const resend = onHandshakeTimer(state, 1100, timing);
    expect(resend.send?.connectRequest?.connectToken).to.equal('token-1');
    expect(onHandshakeTimer(resend.state, 1150, timing).send).to.equal(undefined);
    const afterChallenge = responding();
    expect(onHandshakeTimer(afterChallenge, 1110, timing).send?.connectResponse?.cookie).to.deep.equal(cookie);
  });

  it('times out at the deadline counted from the start, also after a challenge', () => {
    expect(onHandshakeTimer(started().state, 3999, timing).state.phase).to.not.equal('timed_out');
    expect(onHandshakeTimer(started().state, 4000, timing).state).to.deep.equal({ phase: 'timed_out' });
    expect(onHandshakeTimer(responding(), 4000, timing).state).to.deep.equal({ phase: 'timed_out' });
  });
});
