import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { TicketStatus } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('RoomRegistry (real Redis, real Matcher process)', () => {
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start({ ROOM_SERVER_LEASE_TTL_MS: '1500', ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '500' })));
  after(async () => fx.stop());
  afterEach(async () => {
    const redis = fx.redis.client();
    await redis.flushall();
    redis.disconnect();
  });

  /** Matches two fresh players and returns them with their room. */
  async function matchPair(mmr: number) {
    const a = await fx.player();
    const b = await fx.player();
    await fx.clients.enqueue({ mmr }, a.auth);
    await fx.clients.enqueue({ mmr }, b.auth);
    const assignment = await eventually('pair assigned', async () => (await fx.clients.getAssignment({}, a.auth).catch(() => undefined))?.assignment);
    return { a, b, roomId: assignment.roomId, addr: assignment.roomAddr };
  }

  it('keeps players queued while no server is live, and matches them once one registers', async () => {
    const a = await fx.player();
    const b = await fx.player();
    await fx.clients.enqueue({ mmr: 1000 }, a.auth);
    await fx.clients.enqueue({ mmr: 1000 }, b.auth);
    await eventually('a pass that found no server', () => fx.matcher.output.some((line) => line.includes('no live room server has capacity')));
    const redis = fx.redis.client();
    expect(await redis.zcard(dk.queue())).to.equal(2);
    redis.disconnect();
    await expectStatus(fx.clients.getAssignment({}, a.auth), status.NOT_FOUND);
    await fx.roomServer('127.0.0.1:7001', 10);
    const assignment = await eventually('assigned after register', async () => (await fx.clients.getAssignment({}, b.auth).catch(() => undefined))?.assignment);
    expect(assignment.roomAddr).to.equal('127.0.0.1:7001');
  });

  it('puts each new room on the least-loaded live server and never past capacity', async () => {
    await fx.roomServer('127.0.0.1:7001', 2);
    await fx.roomServer('127.0.0.1:7002', 1);
    const rooms = [await matchPair(100), await matchPair(2000), await matchPair(4000)];
    const perServer = new Map<string, number>();
    for (const room of rooms) perServer.set(room.addr, (perServer.get(room.addr) ?? 0) + 1);
    expect(Object.fromEntries(perServer)).to.deep.equal({ '127.0.0.1:7001': 2, '127.0.0.1:7002': 1 });
    // Both full: the next pair stays queued.
    const c = await fx.player();
    const d = await fx.player();
    await fx.clients.enqueue({ mmr: 6000 }, c.auth);
    await fx.clients.enqueue({ mmr: 6000 }, d.auth);
    await expectStatus(fx.clients.getAssignment({}, c.auth), status.NOT_FOUND);
    // Freeing a room on 7002 lets the waiting pair in there.
    const onSmall = rooms.find((room) => room.addr === '127.0.0.1:7002')!;
    const smallId = await registeredId('127.0.0.1:7002');
    await fx.clients.reportRoomEnded({ serverId: smallId, roomId: onSmall.roomId, result: undefined }, registryAuth());
    const placed = await eventually('queued pair placed on the freed server', async () => (await fx.clients.getAssignment({}, c.auth).catch(() => undefined))?.assignment);
    expect(placed.roomAddr).to.equal('127.0.0.1:7002');
  });

  it('ReportRoomEnded records the result, deletes room_map, ends tickets and frees the slot', async () => {
    const serverId = await fx.roomServer('127.0.0.1:7003', 5);
    const { a, b, roomId } = await matchPair(1500);
    const redis = fx.redis.client();
    expect(await redis.zscore(dk.roomServerLoad(), '127.0.0.1:7003')).to.equal('1');
    const result = { reason: EndReason.END_REASON_SCORE_LIMIT, winnerId: a.id, scores: [{ playerId: a.id, score: 5 }, { playerId: b.id, score: 3 }], ticks: 4200 };
    expect(await fx.clients.reportRoomEnded({ serverId, roomId, result }, registryAuth())).to.deep.equal({ ended: true });
    expect(await fx.clients.reportRoomEnded({ serverId, roomId, result }, registryAuth())).to.deep.equal({ ended: false });
    expect(await redis.exists(dk.roomMap(a.id), dk.roomMap(b.id))).to.equal(0);
    expect(await redis.zscore(dk.roomServerLoad(), '127.0.0.1:7003')).to.equal('0');
    expect(await redis.hget(dk.roomInfo(roomId), 'status')).to.equal('ended');
    const [entry] = await redis.xrange(dk.roomResults(), '-', '+');
    expect(entry![1]).to.include.members(['room_id', roomId, 'winner_id', a.id, 'reason', 'END_REASON_SCORE_LIMIT']);
    await expectStatus(fx.clients.getAssignment({}, a.auth), status.NOT_FOUND);
    expect((await fx.clients.dequeue({}, b.auth)).status).to.equal(TicketStatus.TICKET_STATUS_ENDED);
    redis.disconnect();
  });

  it('refuses to end a room for another server, and ends nothing for an unknown room', async () => {
    await fx.roomServer('127.0.0.1:7004', 5);
    const other = await fx.roomServer('127.0.0.1:7005', 1);
    const { roomId, addr } = await matchPair(1700);
    const stranger = addr === '127.0.0.1:7004' ? other : await registeredId('127.0.0.1:7004');
    await expectStatus(fx.clients.reportRoomEnded({ serverId: stranger, roomId, result: undefined }, registryAuth()), status.PERMISSION_DENIED);
    expect(await fx.clients.reportRoomEnded({ serverId: stranger, roomId: 'no-such-room', result: undefined }, registryAuth())).to.deep.equal({ ended: false });
    await expectStatus(fx.clients.reportRoomEnded({ serverId: 'no-such-lease', roomId, result: undefined }, registryAuth()), status.NOT_FOUND);
  });

  async function registeredId(addr: string): Promise<string> {
    const redis = fx.redis.client();
    const id = await redis.hget(dk.roomServer(addr), 'server_id');
    redis.disconnect();
    return id!;
  }

  it('drops a silent server from the live set when its lease runs out, and heartbeats keep it', async () => {
    const kept = await fx.roomServer('127.0.0.1:7006', 5);
    const silent = await fx.roomServer('127.0.0.1:7007', 5);
    const heartbeats = setInterval(() => {
      fx.clients.heartbeat({ serverId: kept, activeRooms: 0, players: 0, tickRate: 60, tickDurationP99Ms: 1 }, registryAuth()).catch(() => {});
    }, 300);
    try {
      await eventually('silent server expired', async () => {
        const redis = fx.redis.client();
        try {
          return (await redis.exists(dk.roomServer('127.0.0.1:7007'))) === 0;
        } finally {
          redis.disconnect();
        }
      }, 5000);
      await expectStatus(
        fx.clients.heartbeat({ serverId: silent, activeRooms: 0, players: 0, tickRate: 60, tickDurationP99Ms: 1 }, registryAuth()),
        status.NOT_FOUND,
      );
      const rooms = [await matchPair(100), await matchPair(3000)];
      for (const room of rooms) expect(room.addr).to.equal('127.0.0.1:7006');
    } finally {
      clearInterval(heartbeats);
    }
  });

  it('Deregister drains: no new rooms, running rooms can still end', async () => {
    const draining = await fx.roomServer('127.0.0.1:7008', 5);
    const { roomId } = await matchPair(800);
    await fx.clients.deregister({ serverId: draining, handOver: false }, registryAuth());
    await fx.roomServer('127.0.0.1:7009', 5);
    const next = await matchPair(2500);
    expect(next.addr).to.equal('127.0.0.1:7009');
    expect(await fx.clients.reportRoomEnded({ serverId: draining, roomId, result: undefined }, registryAuth())).to.deep.equal({ ended: true });
  });

  it('refuses a room server whose checkpoints would not outlive a failover, naming the settings', async () => {
    // Lease 1.5 s + failover sweep 0.5 s + 5 s for the players: checkpoints must live at least 7 s.
    const refused = await expectStatus(fx.clients.register({ addr: '127.0.0.1:7011', capacity: 1, checkpointTtlMs: 6999 }, registryAuth()), status.FAILED_PRECONDITION);
    expect(refused.details).to.include('ROOM_CHECKPOINT_TTL_SEC').and.include('ROOM_SERVER_LEASE_TTL_MS').and.include('7 s');
    await fx.clients.register({ addr: '127.0.0.1:7011', capacity: 1, checkpointTtlMs: 7000 }, registryAuth());
  });

  it('Deregister with hand_over moves the running rooms to another live server at once', async () => {
    const draining = await fx.roomServer('127.0.0.1:7012', 5);
    const { roomId, a } = await matchPair(1800);
    await fx.roomServer('127.0.0.1:7013', 5);
    expect(await fx.clients.deregister({ serverId: draining, handOver: true }, registryAuth())).to.deep.equal({ roomsMoved: 1, roomsEnded: 0, roomsWaiting: 0 });
    const { assignment } = await fx.clients.getAssignment({}, a.auth);
    expect(assignment).to.include({ roomId, roomAddr: '127.0.0.1:7013', roomEpoch: 1 });
  });

  it('moves a room early only when both its players report its server and the server is late', async () => {
    const registeredAt = Date.now();
    const silent = await fx.roomServer('127.0.0.1:7014', 5);
    const { roomId, a, b } = await matchPair(2200);
    await expectStatus(fx.clients.reportRoomUnreachable({ roomId: 'not a room id' }, a.auth), status.INVALID_ARGUMENT);
    await expectStatus(fx.clients.reportRoomUnreachable({ roomId: '8d1c0f4e-0000-4000-8000-000000000000' }, a.auth), status.FAILED_PRECONDITION);
    await expectStatus(fx.clients.reportRoomUnreachable({ roomId }, bearer('no-such-session')), status.UNAUTHENTICATED);
    // One player alone, however often and however late the server: never enough.
    await eventually('the server late (two heartbeat intervals)', async () => {
      expect(await fx.clients.reportRoomUnreachable({ roomId }, a.auth)).to.deep.equal({ serverReplaced: false });
      return Date.now() - registeredAt > 1100;
    });
    expect((await fx.clients.getAssignment({}, a.auth)).assignment?.roomAddr).to.equal('127.0.0.1:7014');
    await fx.roomServer('127.0.0.1:7015', 5);
    // (Had the lease lapsed meanwhile, the report finds it gone: replaced either way.)
    expect(await fx.clients.reportRoomUnreachable({ roomId }, b.auth)).to.deep.equal({ serverReplaced: true });
    for (const player of [a, b]) {
      const moved = await eventually('the room on the other server', async () => {
        const { assignment } = await fx.clients.getAssignment({}, player.auth);
        return assignment?.roomAddr === '127.0.0.1:7015' ? assignment : undefined;
      });
      expect(moved).to.include({ roomId, roomEpoch: 1 });
    }
    await expectStatus(
      fx.clients.heartbeat({ serverId: silent, activeRooms: 1, players: 0, tickRate: 60, tickDurationP99Ms: 1 }, registryAuth()),
      status.NOT_FOUND,
    );
  });

  it('validates registry input', async () => {
    for (const addr of ['', 'nohost', '127.0.0.1:0', '127.0.0.1:99999', 'a b:1']) {
      await expectStatus(fx.clients.register({ addr, capacity: 1, checkpointTtlMs: 0 }, registryAuth()), status.INVALID_ARGUMENT);
    }
    for (const capacity of [0, -5, 100001]) {
      await expectStatus(fx.clients.register({ addr: '127.0.0.1:7010', capacity, checkpointTtlMs: 0 }, registryAuth()), status.INVALID_ARGUMENT);
    }
    await expectStatus(fx.clients.heartbeat({ serverId: '', activeRooms: 0, players: 0, tickRate: 0, tickDurationP99Ms: 0 }, registryAuth()), status.INVALID_ARGUMENT);
  });
});
