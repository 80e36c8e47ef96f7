import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { signConnectToken, verifyConnectToken } from '../../src/shared/connect-token.js';
import { deriveRoomKeys } from '../../src/shared/secrets.js';

const key = deriveRoomKeys('a-secret-of-sufficient-length').connectTokenKey;
const claims = {
  playerId: 'player-a',
  roomId: 'room-1',
  serverAddr: '127.0.0.1:7777',
  slot: Slot.SLOT_LEFT,
  opponentId: 'player-b',
  issuedAtMs: 1000,
  expiresAtMs: 31000,
  traceParent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  roomEpoch: 3,
};

describe('connect tokens', () => {
  it('verify offline and give back the claims', () => {
    const check = verifyConnectToken(signConnectToken(claims, key), key, 2000);
    expect(check.ok).to.equal(true);
    if (check.ok) expect({ ...check.claims, nonce: undefined }).to.deep.equal({ ...claims, nonce: undefined });
  });

  it('differ every time they are signed (nonce)', () => {
    expect(signConnectToken(claims, key)).to.not.equal(signConnectToken(claims, key));
  });

  it('are refused once expired', () => {
    expect(verifyConnectToken(signConnectToken(claims, key), key, 31000)).to.deep.equal({ ok: false, reason: 'expired' });
  });

  it('are refused when signed with another key', () => {
    const other = deriveRoomKeys('another-secret-entirely').connectTokenKey;
    expect(verifyConnectToken(signConnectToken(claims, other), key, 2000)).to.deep.equal({ ok: false, reason: 'bad_signature' });
  });

  it('are refused when the claims are altered', () => {
    const [body, mac] = signConnectToken(claims, key).split('.');
    const forged = signConnectToken({ ...claims, roomId: 'room-2' }, key).split('.')[0];
    expect(body).to.not.equal(forged);
    expect(verifyConnectToken(`${forged}.${mac}`, key, 2000)).to.deep.equal({ ok: false, reason: 'bad_signature' });
  });

  it('refuse garbage without throwing', () => {
    for (const garbage of ['', '.', 'a.b.c', 'not-a-token', 'x'.repeat(5000), '!!!.???']) {
      const check = verifyConnectToken(garbage, key, 2000);
      expect(check.ok, garbage.slice(0, 20)).to.equal(false);
    }
  });

  it('derive different keys for different purposes', () => {
    const keys = deriveRoomKeys('a-secret-of-sufficient-length');
    expect(keys.registryBearer).to.not.equal(keys.connectTokenKey.toString('base64url'));
  });
});
