import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { Packet, RefusedReason } from '../../src/gen/mini/room/v1/packets.js';
import { signConnectToken } from '../../src/shared/connect-token.js';
import { ChallengeCookies } from '../../src/room/net/challenge.js';
import { decodeClientPacket } from '../../src/room/net/codec.js';
import { ConnectGate } from '../../src/room/net/connect-gate.js';
import { ReplayGuard } from '../../src/room/net/replay-guard.js';

const key = randomBytes(32);
const serverAddr = '127.0.0.1:7777';
const now = 1_700_000_000_000;
const claims = { playerId: 'alice', roomId: 'room-1', serverAddr, slot: Slot.SLOT_LEFT, opponentId: 'bob', issuedAtMs: now, expiresAtMs: now + 30_000 };
const alice = { address: '10.0.0.1', port: 4000 };
const mallory = { address: '10.0.0.66', port: 6666 };

function gate(): ConnectGate {
  return new ConnectGate(key, serverAddr, new ChallengeCookies(), new ReplayGuard());
}

/** Runs the challenge and answers it, as a client at `peer` would. */
function connect(g: ConnectGate, token: string, peer = alice, atMs = now) {
  const challenge = g.challenge({ connectToken: token, padding: Buffer.alloc(0) }, peer, 300, atMs);
  if (!('reply' in challenge)) return challenge;
  const cookie = Packet.decode(challenge.reply).challenge!.cookie;
  return g.admit({ connectToken: token, cookie }, peer, atMs);
}

describe('room connect gate (pure)', () => {
  it('admits a valid token after the challenge, with a challenge never larger than the request', () => {
    const g = gate();
    const token = signConnectToken(claims, key);
    const challenge = g.challenge({ connectToken: token, padding: Buffer.alloc(0) }, alice, 300, now);
    expect('reply' in challenge && challenge.reply.length).to.be.within(1, 300);
    expect(g.challenge({ connectToken: token, padding: Buffer.alloc(0) }, alice, 20, now)).to.deep.equal({ drop: 'unpadded_request' });
    const admitted = connect(g, token);
    if (!('claims' in admitted)) expect.fail(`dropped: ${admitted.drop}`);
    expect(admitted.claims).to.deep.include(claims);
  });

  const refusals = [
    { name: 'a token signed with another key', token: () => signConnectToken(claims, randomBytes(32)), drop: 'token_bad_signature' },
    { name: 'an expired token', token: () => signConnectToken({ ...claims, expiresAtMs: now }, key), drop: 'token_expired' },
    { name: 'a token for another server', token: () => signConnectToken({ ...claims, serverAddr: '10.9.9.9:7777' }, key), drop: 'wrong_server' },
    { name: 'a token without a slot', token: () => signConnectToken({ ...claims, slot: Slot.SLOT_UNSPECIFIED }, key), drop: 'token_malformed' },
    { name: 'garbage', token: () => 'not.a.token', drop: 'token_malformed' },
  ];
  for (const c of refusals) {
    it(`sends no challenge for ${c.name}`, () => {
      expect(gate().challenge({ connectToken: c.token(), padding: Buffer.alloc(300) }, alice, 600, now)).to.deep.equal({ drop: c.drop });
    });
  }

  it('refuses a cookie issued to another address, for another token, or too long ago', () => {
    const g = gate();
    const token = signConnectToken(claims, key);
    const reply = g.challenge({ connectToken: token, padding: Buffer.alloc(0) }, alice, 300, now);
    const cookie = Packet.decode((reply as { reply: Uint8Array }).reply).challenge!.cookie;
    expect(g.admit({ connectToken: token, cookie }, mallory, now)).to.deep.equal({ drop: 'bad_cookie' });
    expect(g.admit({ connectToken: signConnectToken(claims, key), cookie }, alice, now)).to.deep.equal({ drop: 'bad_cookie' });
    expect(g.admit({ connectToken: token, cookie }, alice, now + 25_000)).to.deep.equal({ drop: 'bad_cookie' });
    expect(g.admit({ connectToken: token, cookie }, alice, now + 5_000)).to.have.property('claims');
  });

  it('refuses a token already used from another address, but not a retransmission from the same one', () => {
    const g = gate();
    const token = signConnectToken(claims, key);
    expect(connect(g, token)).to.have.property('claims');
    expect(connect(g, token)).to.have.property('claims');
    expect(connect(g, token, mallory)).to.deep.equal({ drop: 'replayed_token', refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN });
    expect(connect(g, signConnectToken(claims, key), mallory), 'a fresh token is fine').to.have.property('claims');
  });
});

describe('room packet codec (pure)', () => {
  const cases = [
    { name: 'oversized', bytes: Buffer.alloc(1201), expected: 'oversized' },
    { name: 'not protobuf', bytes: Buffer.from([0x0a, 0xff, 0xff]), expected: 'malformed' },
    { name: 'no body', bytes: Buffer.alloc(0), expected: 'malformed' },
    { name: 'two bodies', bytes: Packet.encode({ keepalive: { connectionId: 1 }, disconnect: { connectionId: 1 } }).finish(), expected: 'malformed' },
    { name: 'a server packet', bytes: Packet.encode({ refused: { reason: 1 } }).finish(), expected: 'not_client_packet' },
  ];
  for (const c of cases) it(`drops ${c.name}`, () => expect(decodeClientPacket(c.bytes)).to.equal(c.expected));

  it('decodes each client packet kind', () => {
    const bytes = Packet.encode({ inputs: { connectionId: 7, inputs: [{ seq: 1, direction: -1 }] } }).finish();
    expect(decodeClientPacket(bytes)).to.deep.equal({ kind: 'inputs', body: { connectionId: 7, inputs: [{ seq: 1, direction: -1 }] } });
  });
});
