import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { Packet, RefusedReason } from '../../src/gen/mini/room/v1/packets.js';
import { RoomPhase } from '../../src/gen/mini/room/v1/world.js';
import { signConnectToken } from '../../src/shared/connect-token.js';
import { deriveRoomKeys } from '../../src/shared/secrets.js';
import { RoomFixture, type RoomStatsLine } from '../support/room-fixture.js';
import { testRoomSecret } from '../support/service-process.js';
import { connectRequest, handshake, policies, UdpPlayer } from '../support/udp-player.js';
import { TestSocket } from '../support/udp-socket.js';

const total = (stats: RoomStatsLine): number => Object.values(stats.drops).reduce((sum, n) => sum + n, 0);
const count = (stats: RoomStatsLine, reason: string): number => stats.drops[reason] ?? 0;

describe('room server: protocol abuse (real processes, real UDP)', function () {
  this.timeout(30000);
  let fx: RoomFixture;
  before(async () => (fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '100' })));
  after(async () => fx.stop());

  it('drops and counts every bad datagram by reason; the room plays on unchanged and the server stays up', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const aToken = (await fx.assignment(left)).connectToken;
    const a = await UdpPlayer.connect(fx.roomAddr, aToken, policies.still);
    const b = await fx.connect(right, policies.still);
    await b.nextSnapshot('the game under way', (s) => s.phase === RoomPhase.ROOM_PHASE_PLAYING);
    const attacker = await TestSocket.open(fx.roomAddr);
    const clean = await fx.waitStats('a first stats line', () => true);
    expect(total(clean)).to.equal(0);

    // Random bytes: each datagram is dropped and counted exactly once, whatever it decodes as.
    for (let i = 0; i < 50; i++) attacker.sendBytes(randomBytes(randomInt(1, 1201)));
    const afterRandom = await fx.waitStats('50 random datagrams counted', (s) => total(s) === 50);

    const now = Date.now();
    const claims = { playerId: left.id, roomId, serverAddr: fx.roomAddr, slot: Slot.SLOT_LEFT, opponentId: right.id, issuedAtMs: now, expiresAtMs: now + 30000 };
    const key = deriveRoomKeys(testRoomSecret).connectTokenKey;
    const valid = Packet.encode(connectRequest(signConnectToken(claims, key))).finish();
    attacker.sendBytes(valid.subarray(0, valid.length >> 1));
    attacker.sendBytes(randomBytes(1300));
    attacker.send({ snapshot: { tick: 1, phase: RoomPhase.ROOM_PHASE_ENDED, ball: undefined, left: undefined, right: undefined, countdownTicks: 0, lastInputSeq: 0 } });
    attacker.send(connectRequest(signConnectToken(claims, deriveRoomKeys('not-the-room-secret-at-all').connectTokenKey)));
    attacker.send(connectRequest(signConnectToken({ ...claims, expiresAtMs: now - 1 }, key)));
    attacker.send(connectRequest(signConnectToken({ ...claims, serverAddr: '127.0.0.1:1' }, key)));
    attacker.send({ connectResponse: { connectToken: signConnectToken(claims, key), cookie: randomBytes(32) } });
    attacker.send({ inputs: { connectionId: 12345, inputs: [{ seq: 1_000_000, direction: 1 }] } });
    attacker.send({ inputs: { connectionId: a.welcome.connectionId, inputs: [{ seq: 1_000_000, direction: 1 }] } });
    a.socket.send({ inputs: { connectionId: b.welcome.connectionId, inputs: [{ seq: 1_000_000, direction: 1 }] } });
    a.socket.send({ inputs: { connectionId: a.welcome.connectionId, inputs: [{ seq: 1_000_000, direction: 5 }] } });
    const expected = {
      malformed: 1,
      oversized: 1,
      not_client_packet: 1,
      token_bad_signature: 1,
      token_expired: 1,
      wrong_server: 1,
      bad_cookie: 1,
      unknown_connection: 1,
      wrong_address: 1,
      other_paddle: 1,
      bad_input: 1,
    };
    const single = await fx.waitStats('each bad datagram counted', (s) =>
      Object.entries(expected).every(([reason, n]) => count(s, reason) - count(afterRandom, reason) === n),
    );
    expect(total(single) - total(afterRandom)).to.equal(11);
    expect(attacker.received, 'nothing answered to unauthenticated datagrams').to.deep.equal([]);

    // Tokens that pass the challenge but may not enter: refused (the source proved its address) and counted.
    expect(await handshake(attacker, signConnectToken({ ...claims, roomId: 'no-such-room' }, key))).to.equal(RefusedReason.REFUSED_REASON_ROOM_GONE);
    expect(await handshake(attacker, aToken)).to.equal(RefusedReason.REFUSED_REASON_SEAT_TAKEN);
    await fx.waitStats('refusals counted', (s) => count(s, 'wrong_room') >= 1 && count(s, 'replayed_token') >= 1);
    expect(attacker.received.filter((p) => p.welcome || p.snapshot)).to.deep.equal([]);

    // The room went on as if nothing happened: nobody's paddle moved, both still get snapshots.
    const since = b.last!.tick;
    const later = await b.nextSnapshot('more ticks', (s) => s.tick > since + 30 && s.phase === RoomPhase.ROOM_PHASE_PLAYING);
    const seen = await a.nextSnapshot('a snapshot for A too', (s) => s.tick >= later.tick);
    for (const snapshot of [later, seen]) {
      expect(snapshot.left).to.deep.include({ playerId: left.id, y: 300_000 });
      expect(snapshot.right).to.deep.include({ playerId: right.id, y: 300_000 });
    }
    attacker.close();
    a.close();
    b.close();
  });
});
