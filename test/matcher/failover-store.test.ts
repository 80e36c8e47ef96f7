import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { FailoverStore } from '../../src/matcher/failover-store.js';
import { MatchStore } from '../../src/matcher/match-store.js';
import { RoomServerStore } from '../../src/matcher/room-server-store.js';
import { TicketStore } from '../../src/matcher/ticket-store.js';
import { closeRedis } from '../../src/shared/redis/client.js';
import { isRedisUnavailable } from '../../src/shared/redis/errors.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { ReplicaAcks } from '../../src/shared/redis/replica-ack.js';
import { RedisServer } from '../support/redis-server.js';
import { replicaConnections } from '../support/replica-connections.js';

const keys = new Keys('');
/** The default region's keys, where most of these tests' rooms are. */
const dk = keys.region('default');
const ttls = { roomMapSec: 300, outcomeSec: 3600, endedRoomSec: 3600 };
const leaseMs = 60_000;
/** A single Redis: nothing to wait for. */
const noAcks = (redis: Redis): ReplicaAcks => new ReplicaAcks(redis, 0, 0);
const load = { activeRooms: 0, players: 0, tickRate: 60, tickDurationP99Ms: 1 };

describe('moving rooms off lost room servers (move-rooms.lua, report-unreachable.lua; real Redis)', () => {
  let server: RedisServer;
  let connections: Redis[];
  let redis: Redis;
  let check: Redis;
  let servers: RoomServerStore;
  let matches: MatchStore;
  let tickets: TicketStore;
  let clock: number;
  const store = (maxWaitMs = 5000, on = redis): FailoverStore => new FailoverStore(on, keys, { ...ttls, maxWaitMs, roomsPerCall: 100 });

  before(async () => {
    server = await RedisServer.start();
    connections = await replicaConnections(server.url);
    redis = connections[0]!;
    check = server.client();
    servers = new RoomServerStore(redis, keys, noAcks(redis), { leaseMs, ...ttls });
    matches = new MatchStore(redis, keys, ttls);
    tickets = new TicketStore(redis, keys, noAcks(redis), ttls.outcomeSec);
  });
  after(async () => {
    check.disconnect();
    await Promise.all(connections.map((c) => closeRedis(c)));
    await server.stop();
  });
  beforeEach(async () => {
    await check.flushall();
    clock = 1_000_000;
  });

  /** Queues two players per room and claims the rooms (on whatever server claim-pairs picks). */
  async function claimRooms(count: number, tag: string): Promise<{ roomId: string; left: string; right: string }[]> {
    const rooms = Array.from({ length: count }, (_, i) => ({ roomId: `${tag}-${i}`, left: `${tag}-${i}-l`, right: `${tag}-${i}-r` }));
    for (const room of rooms) {
      await tickets.enqueue(room.left, 1000, 'default', clock);
      await tickets.enqueue(room.right, 1000, 'default', clock);
    }
    const proposals = rooms.map(({ roomId, left, right }) => ({
      roomId,
      left: { playerId: left, mmr: 1000, enqueuedAtMs: clock },
      right: { playerId: right, mmr: 1000, enqueuedAtMs: clock },
    }));
    const outcome = await matches.claim('default', proposals, clock);
    expect(outcome.claimed).to.have.length(count);
    return rooms;
  }
  const kill = async (addr: string, region = 'default'): Promise<void> => {
    const r = keys.region(region);
    const serverId = await check.hget(r.roomServer(addr), 'server_id');
    await check.del(r.roomServer(addr), r.roomServerLease(serverId!));
  };
  const checkpoint = async (roomId: string): Promise<void> => void (await check.set(dk.roomCheckpoint(roomId), 'state', 'PX', 30_000));
  const status = async (roomId: string, value: string): Promise<void> => void (await check.hset(dk.roomInfo(roomId), 'status', value));

  it('moves every unfinished room of a lost server to the least-loaded live servers, within capacity, with a higher epoch', async () => {
    await servers.register('10.0.0.1:7777', 100, 'default', clock);
    const rooms = await claimRooms(4, 'a');
    for (const { roomId } of rooms) {
      await checkpoint(roomId);
      await status(roomId, 'playing');
    }
    await servers.register('10.0.0.2:7777', 1, 'default', clock);
    await servers.register('10.0.0.3:7777', 10, 'default', clock);
    const subscriber = server.client();
    const woken: string[] = [];
    await subscriber.subscribe(keys.ticketEvents());
    subscriber.on('message', (_channel, ids: string) => woken.push(...ids.split(' ')));

    expect((await store().moveRooms('default', '10.0.0.1:7777', clock)).gone, 'alive: nothing moves').to.equal(false);
    expect(await check.scard(dk.roomServerRooms('10.0.0.1:7777'))).to.equal(4);

    await kill('10.0.0.1:7777');
    const report = await store().moveRooms('default', '10.0.0.1:7777', clock + 1);
    expect(report).to.include({ gone: true, ended: 0, waiting: 0, remaining: 0 });
    expect(report.moved).to.have.length(4);
    const targets = report.moved.map((m) => m.addr);
    expect(targets.filter((a) => a === '10.0.0.2:7777'), 'capacity 1 respected').to.have.length(1);
    expect(targets.filter((a) => a === '10.0.0.3:7777')).to.have.length(3);
    for (const { roomId, left, right } of rooms) {
      const addr = report.moved.find((m) => m.roomId === roomId)!.addr;
      expect(await check.hmget(dk.roomInfo(roomId), 'addr', 'epoch', 'status', 'moved_from')).to.deep.equal([addr, '1', 'playing', '10.0.0.1:7777']);
      for (const player of [left, right]) {
        expect(await check.hmget(dk.roomMap(player), 'room_id', 'addr', 'epoch')).to.deep.equal([roomId, addr, '1']);
        expect(await check.ttl(dk.roomMap(player))).to.be.within(299, 300);
        const view = await tickets.read(player);
        expect(view.assignment).to.include({ addr, epoch: 1 });
      }
      expect(await check.sismember(dk.roomServerRooms(addr), roomId)).to.equal(1);
    }
    expect(await check.zscore(dk.roomServerLoad(), '10.0.0.2:7777')).to.equal('1');
    expect(await check.zscore(dk.roomServerLoad(), '10.0.0.3:7777')).to.equal('3');
    expect(await check.exists(dk.roomServerRooms('10.0.0.1:7777'))).to.equal(0);
    expect(await check.zscore(dk.roomServersSeen(), '10.0.0.1:7777'), 'a lost server that owns nothing is forgotten').to.equal(null);
    const everyPlayer = rooms.flatMap((r) => [r.left, r.right]);
    const deadline = Date.now() + 5000;
    while (everyPlayer.some((p) => !woken.includes(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(everyPlayer.filter((p) => !woken.includes(p)), 'every player’s watchers woken').to.deep.equal([]);
    subscriber.disconnect();
  });

  it('ends a running room whose checkpoint is gone (SERVER_LOST), moves one nobody had joined, and cleans out ended rooms', async () => {
    await servers.register('10.0.0.1:7777', 100, 'default', clock);
    const [lostState, notStarted, over] = await claimRooms(3, 'b');
    await status(lostState!.roomId, 'playing');
    await status(over!.roomId, 'ended');
    await servers.register('10.0.0.2:7777', 10, 'default', clock);
    await kill('10.0.0.1:7777');

    const report = await store().moveRooms('default', '10.0.0.1:7777', clock + 5);
    expect(report).to.include({ gone: true, ended: 1, waiting: 0, remaining: 0 });
    expect(report.moved).to.deep.equal([{ roomId: notStarted!.roomId, addr: '10.0.0.2:7777' }]);
    expect(await check.hmget(dk.roomInfo(lostState!.roomId), 'status', 'end_reason')).to.deep.equal(['ended', 'END_REASON_SERVER_LOST']);
    for (const player of [lostState!.left, lostState!.right]) {
      expect(await check.exists(dk.roomMap(player)), 'no stranded assignment').to.equal(0);
      expect((await tickets.read(player)).state).to.equal('ended');
      expect((await tickets.enqueue(player, 1000, 'default', clock + 6)).created, 'can queue again at once').to.equal(true);
    }
    const results = await check.xrange(dk.roomResults(), '-', '+');
    expect(results.map(([, fields]) => fields.slice(0, 4))).to.deep.equal([['room_id', lostState!.roomId, 'reason', 'END_REASON_SERVER_LOST']]);
    expect(await check.smembers(dk.roomServerRooms('10.0.0.2:7777'))).to.deep.equal([notStarted!.roomId]);
  });

  it('lets a room wait for capacity, then ends it once it has waited longer than allowed', async () => {
    await servers.register('10.0.0.1:7777', 10, 'default', clock);
    const [room] = await claimRooms(1, 'c');
    await checkpoint(room!.roomId);
    await status(room!.roomId, 'playing');
    await kill('10.0.0.1:7777');

    const waiting = await store(5000).moveRooms('default', '10.0.0.1:7777', clock + 100);
    expect(waiting).to.include({ gone: true, ended: 0, waiting: 1, remaining: 1 });
    expect(await check.hget(dk.roomInfo(room!.roomId), 'stranded_at')).to.equal(String(clock + 100));
    expect(await check.zscore(dk.roomServersSeen(), '10.0.0.1:7777'), 'still owns a room: still looked at').to.not.equal(null);
    expect((await store(5000).moveRooms('default', '10.0.0.1:7777', clock + 5099)).waiting).to.equal(1);

    const ended = await store(5000).moveRooms('default', '10.0.0.1:7777', clock + 5100);
    expect(ended).to.include({ ended: 1, waiting: 0, remaining: 0 });
    expect(await check.hget(dk.roomInfo(room!.roomId), 'end_reason')).to.equal('END_REASON_SERVER_LOST');
    expect((await tickets.read(room!.left)).state).to.equal('ended');
  });

  it('moves nothing while Redis is out of memory (the call fails whole, to be tried later), and ignores a stale stranded mark', async () => {
    await servers.register('10.0.0.1:7777', 10, 'default', clock);
    const [room] = await claimRooms(1, 'g');
    await checkpoint(room!.roomId);
    await status(room!.roomId, 'playing');
    await check.hset(dk.roomInfo(room!.roomId), 'stranded_at', clock - 60_000); // from an earlier loss
    await kill('10.0.0.1:7777');
    await check.config('SET', 'maxmemory-policy', 'noeviction');
    await check.config('SET', 'maxmemory', '1');
    try {
      let refused: unknown;
      await store().moveRooms('default', '10.0.0.1:7777', clock + 1).catch((err: unknown) => (refused = err));
      expect(isRedisUnavailable(refused), String(refused)).to.equal(true);
    } finally {
      await check.config('SET', 'maxmemory', '0');
    }
    expect(await check.hget(dk.roomInfo(room!.roomId), 'status'), 'not ended').to.equal('playing');
    const report = await store(5000).moveRooms('default', '10.0.0.1:7777', clock + 2);
    expect(report, 'the old mark predates the last heartbeat: it waits afresh').to.include({ ended: 0, waiting: 1 });
    expect(await check.hget(dk.roomInfo(room!.roomId), 'stranded_at')).to.equal(String(clock + 2));
  });

  it('moves a room only to a server of its own region, and keeps it waiting when its region has none', async () => {
    await servers.register('10.0.0.1:7777', 10, 'eu', clock);
    await tickets.enqueue('eu-l', 1000, 'eu', clock);
    await tickets.enqueue('eu-r', 1000, 'eu', clock);
    const player = (id: string) => ({ playerId: id, mmr: 1000, enqueuedAtMs: clock });
    const claimed = await matches.claim('eu', [{ roomId: 'eu-room', left: player('eu-l'), right: player('eu-r') }], clock);
    expect(claimed.claimed.map((room) => room.addr)).to.deep.equal(['10.0.0.1:7777']);
    expect(await check.hget(keys.region('eu').roomInfo('eu-room'), 'region')).to.equal('eu');
    await servers.register('10.0.0.2:7777', 100, 'us', clock);
    await kill('10.0.0.1:7777', 'eu');
    const stranded = await store().moveRooms('eu', '10.0.0.1:7777', clock + 1);
    expect(stranded, 'the us server is not a target').to.include({ gone: true, waiting: 1 });
    expect(stranded.moved).to.deep.equal([]);

    await servers.register('10.0.0.3:7777', 1, 'eu', clock + 2);
    const moved = await store().moveRooms('eu', '10.0.0.1:7777', clock + 3);
    expect(moved.moved).to.deep.equal([{ roomId: 'eu-room', addr: '10.0.0.3:7777' }]);
    expect(await check.zscore(keys.region('eu').roomServerLoad(), '10.0.0.3:7777')).to.equal('1');
    expect(await check.zscore(keys.region('us').roomServerLoad(), '10.0.0.2:7777')).to.equal('0');
    expect(await check.zscore(keys.region('eu').roomServersSeen(), '10.0.0.1:7777'), 'the lost server, owning nothing, is forgotten').to.equal(null);
  });

  it('moves each room exactly once when three Matcher replicas move the same lost server at once', async () => {
    await servers.register('10.0.0.1:7777', 1000, 'default', clock);
    const rooms = await claimRooms(250, 'd');
    for (const { roomId } of rooms) await checkpoint(roomId);
    await servers.register('10.0.0.2:7777', 1000, 'default', clock);
    await servers.register('10.0.0.3:7777', 1000, 'default', clock);
    await kill('10.0.0.1:7777');

    const moveAll = async (replica: Redis): Promise<string[]> => {
      const moved: string[] = [];
      for (;;) {
        const report = await store(5000, replica).moveRooms('default', '10.0.0.1:7777', clock + 1);
        moved.push(...report.moved.map((m) => m.roomId));
        if (report.remaining === 0) return moved;
      }
    };
    const byReplica = await Promise.all(connections.map(moveAll));
    const all = byReplica.flat();
    expect(all, 'no room moved twice').to.have.length(250);
    expect(new Set(all).size).to.equal(250);
    const [onTwo, onThree] = await Promise.all(['10.0.0.2:7777', '10.0.0.3:7777'].map((a) => check.smembers(dk.roomServerRooms(a))));
    expect(onTwo!.length + onThree!.length).to.equal(250);
    expect(onTwo!.filter((id) => onThree!.includes(id))).to.deep.equal([]);
    expect(Number(await check.zscore(dk.roomServerLoad(), '10.0.0.2:7777')) + Number(await check.zscore(dk.roomServerLoad(), '10.0.0.3:7777'))).to.equal(250);
    const epochs = await Promise.all(rooms.map((r) => check.hget(dk.roomInfo(r.roomId), 'epoch')));
    expect(new Set(epochs)).to.deep.equal(new Set(['1']));
  });

  it('hands over a draining server’s rooms only for that server’s own draining lease', async () => {
    const { serverId } = await servers.register('10.0.0.1:7777', 10, 'default', clock);
    const rooms = await claimRooms(2, 'e');
    await servers.register('10.0.0.2:7777', 10, 'default', clock);
    expect((await store().moveRooms('default', '10.0.0.1:7777', clock, serverId)).gone, 'not draining yet').to.equal(false);
    await servers.deregister(serverId);
    expect((await store().moveRooms('default', '10.0.0.1:7777', clock, 'another-lease')).gone).to.equal(false);
    const report = await store().moveRooms('default', '10.0.0.1:7777', clock, serverId);
    expect(report.moved.map((m) => m.roomId).sort()).to.deep.equal(rooms.map((r) => r.roomId).sort());
    expect(await check.zscore(dk.roomServersSeen(), '10.0.0.1:7777'), 'its lease runs until it exits').to.not.equal(null);
  });

  it('revokes a server only when every player of the room reports it and its heartbeat is late (by the lease’s own TTL)', async () => {
    const { serverId } = await servers.register('10.0.0.1:7777', 10, 'default', clock);
    const [room] = await claimRooms(1, 'f');
    // How late the heartbeat is comes from the lease's remaining TTL: a 60 s "late" bar is never
    // reached in this test, a 0 ms one always is.
    const report = (player: string, lateAfterMs: number) =>
      store().reportUnreachable(player, 'default', room!.roomId, clock, { lateAfterMs, reportTtlMs: 30_000, leaseTtlMs: leaseMs });

    expect((await store().reportUnreachable(room!.left, 'default', 'not-my-room', clock, { lateAfterMs: 0, reportTtlMs: 30_000, leaseTtlMs: leaseMs })).kind).to.equal(
      'not_current',
    );
    expect((await report(room!.left, 0)).kind, 'one player is not enough, however late the server').to.equal('noted');
    expect((await report(room!.left, 0)).kind, 'nor is the same player twice').to.equal('noted');
    await servers.heartbeat(serverId, load, clock);
    const onTime = await report(room!.right, 60_000);
    expect(onTime.kind, 'both, but the server heartbeats on time').to.equal('server_on_time');
    expect(onTime.sinceHeartbeatMs).to.be.within(0, 5000);
    expect(await check.exists(dk.roomServer('10.0.0.1:7777'))).to.equal(1);

    const revoked = await report(room!.right, 0);
    expect(revoked).to.deep.include({ kind: 'revoked', addr: '10.0.0.1:7777' });
    expect(await check.exists(dk.roomServer('10.0.0.1:7777'), dk.roomServerLease(serverId))).to.equal(0);
    expect((await report(room!.right, 0)).kind).to.equal('already_gone');
    let heartbeatError: unknown;
    await servers.heartbeat(serverId, load, clock + 1).catch((err: unknown) => (heartbeatError = err));
    expect((heartbeatError as { kind?: string }).kind, 'the revoked server learns it lost its lease').to.equal('not_found');
  });
});
