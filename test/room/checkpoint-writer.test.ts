import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CheckpointWriter } from '../../src/room/checkpoint-writer.js';
import { defineRoomScripts } from '../../src/room/scripts.js';
import { decodeWorld } from '../../src/room/sim/checkpoint.js';
import { createWorld, type World } from '../../src/room/sim/world.js';
import { RoomServerStats } from '../../src/room/stats.js';
import { closeRedis, createRedis, waitForRedis } from '../../src/shared/redis/client.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { parsePromText, sampleValue } from '../support/prom-text.js';
import { RedisServer } from '../support/redis-server.js';
import { config } from './sim/sim-fixture.js';

const addr = '127.0.0.1:7777';

/** The keys of this server's region. */
const keys = new Keys('').region('default');

describe('room checkpoint writer (real Redis, real Lua)', () => {
  let server: RedisServer;
  let redis: Redis;
  let check: Redis;
  before(async () => {
    server = await RedisServer.start();
    redis = createRedis({ url: server.url, commandTimeoutMs: 1000, maxReconnectDelayMs: 100, connectionName: 'test' }, pino({ level: 'silent' }));
    defineRoomScripts(redis);
    await waitForRedis(redis, 3000);
    check = server.client();
  });
  after(async () => {
    check.disconnect();
    await closeRedis(redis);
    await server.stop();
  });
  afterEach(async () => check.flushall());

  function writer(stats: RoomServerStats, refused: string[] = []): CheckpointWriter {
    return new CheckpointWriter(redis, keys, { addr, ttlMs: 30_000, onMovedAway: (id) => refused.push(id) }, stats, pino({ level: 'silent' }));
  }
  const world = (roomId: string, owner: string, epoch: number, tick: number): World => ({ ...createWorld(roomId, config, 1), owner, epoch, tick });
  /** The Matcher's record placing rooms on this server (at a placement epoch). */
  const place = async (roomIds: string[], placementEpoch = 0, at = addr): Promise<void> => {
    for (const roomId of roomIds) await check.hset(keys.roomInfo(roomId), 'addr', at, 'status', 'assigned', 'epoch', placementEpoch);
  };
  const stored = async (roomId: string): Promise<World> => decodeWorld((await check.getBuffer(keys.roomCheckpoint(roomId)))!);
  /** Stats in a registry of their own, and the checkpoint writes it shows for a result. */
  const newStats = () => {
    const registry = new Registry();
    const writes = async (result: string) => sampleValue(parsePromText(await registry.metrics()), 'room_checkpoint_writes_total', { result });
    return { stats: new RoomServerStats(registry), writes, registry };
  };

  it('writes every due room in one go with a TTL, and never lets a stale owner overwrite a newer one', async () => {
    const { stats, writes, registry } = newStats();
    const refused: string[] = [];
    const w = writer(stats, refused);
    await place(['r1', 'r2']);
    w.write([world('r1', 'old-server', 1, 10), world('r2', 'old-server', 1, 10)], []);
    await w.drain();
    expect(await writes('written')).to.equal(2);
    const samples = parsePromText(await registry.metrics());
    expect(sampleValue(samples, 'room_checkpoint_size_bytes_count')).to.equal(2);
    expect(sampleValue(samples, 'room_checkpoint_size_bytes_sum')).to.equal(2 * (await check.strlen(keys.roomCheckpoint('r1'))));
    expect(await check.pttl(keys.roomCheckpoint('r1'))).to.be.within(29_000, 30_000);

    // A new server took r1 over (epoch 2); the old one must not write r1 again, but may go on with r2.
    w.write([world('r1', 'new-server', 2, 12)], []);
    await w.drain();
    w.write([world('r1', 'old-server', 1, 15), world('r2', 'old-server', 1, 15)], []);
    await w.drain();
    expect(await stored('r1')).to.include({ owner: 'new-server', epoch: 2, tick: 12 });
    expect(await stored('r2')).to.include({ owner: 'old-server', tick: 15 });
    expect(refused).to.deep.equal(['r1']);
    expect(await writes('refused')).to.equal(1);

    // Same epoch, another owner: refused too (two servers restoring the same room at once).
    w.write([world('r1', 'third-server', 2, 20)], []);
    await w.drain();
    expect(await stored('r1')).to.include({ owner: 'new-server', tick: 12 });
  });

  it('counts every due checkpoint exactly once when the refusal callback throws, and the rest of the flush goes on', async () => {
    const { stats, writes } = newStats();
    const refused: string[] = [];
    const onMovedAway = (roomId: string): void => {
      refused.push(roomId);
      throw new Error(`evicting ${roomId} failed`);
    };
    const w = new CheckpointWriter(redis, keys, { addr, ttlMs: 30_000, onMovedAway }, stats, pino({ level: 'silent' }));
    await place(['r1', 'r2', 'r3']);
    w.write([world('r1', 'new-server', 2, 10), world('r3', 'new-server', 2, 10)], []);
    await w.drain();
    // r1 and r3 refused (their callbacks throw) around r2, which is written, along with an info change.
    w.write([world('r1', 'old-server', 1, 15), world('r2', 'old-server', 1, 15), world('r3', 'old-server', 1, 15)], [{ roomId: 'r2', view: { status: 'playing', playerCount: 2, placementEpoch: 0 } }]);
    await w.drain();
    const due = 5;
    const results = ['written', 'refused', 'failed', 'skipped', 'fenced'];
    const counts = await Promise.all(results.map(async (result) => (await writes(result)) ?? 0));
    expect(counts.reduce((a, b) => a + b, 0), 'every due checkpoint counted once').to.equal(due);
    expect(counts, results.join(' / ')).to.deep.equal([3, 2, 0, 0, 0]);
    expect(refused, 'each refused room handed on, also after a callback threw').to.deep.equal(['r1', 'r3']);
    expect(await stored('r2')).to.include({ owner: 'old-server', tick: 15 });
    expect(await check.hget(keys.roomInfo('r2'), 'status')).to.equal('playing');
  });

  it('counts a checkpoint Redis answers with an error as failed, not skipped', async () => {
    const { stats, writes } = newStats();
    const w = writer(stats);
    await place(['broken', 'fine']);
    await check.hset(keys.roomCheckpoint('broken'), 'not', 'a string');
    w.write([world('broken', 'me', 1, 5)], []);
    await w.drain();
    w.write([world('fine', 'me', 1, 5)], []);
    await w.drain();
    expect([await writes('failed'), await writes('skipped'), await writes('written')]).to.deep.equal([1, 0, 1]);
  });

  it('counts checkpoints Redis refuses for want of memory as skipped, like an outage, and writes again once it has room', async () => {
    const { stats, writes } = newStats();
    const w = writer(stats);
    await place(['oom']);
    await check.config('SET', 'maxmemory-policy', 'noeviction');
    await check.config('SET', 'maxmemory', '1');
    try {
      w.write([world('oom', 'me', 1, 5)], []);
      await w.drain();
      expect([await writes('skipped'), (await writes('failed')) ?? 0]).to.deep.equal([1, 0]);
    } finally {
      await check.config('SET', 'maxmemory', '0');
    }
    w.write([world('oom', 'me', 1, 10)], []);
    await w.drain();
    expect((await stored('oom')).tick).to.equal(10);
  });

  it('updates room info only for a running room of this server, and drops the rooms placed elsewhere or ended', async () => {
    await check.hset(keys.roomInfo('mine'), 'addr', addr, 'status', 'assigned', 'player_count', 2);
    await check.hset(keys.roomInfo('over'), 'addr', addr, 'status', 'ended', 'player_count', 0);
    await check.hset(keys.roomInfo('theirs'), 'addr', '10.0.0.1:7777', 'status', 'assigned');
    await check.hset(keys.roomInfo('later'), 'addr', addr, 'status', 'assigned', 'epoch', 2);
    const { stats, registry } = newStats();
    const movedAway: string[] = [];
    const w = writer(stats, movedAway);
    const view = { status: 'playing', playerCount: 1, placementEpoch: 0 } as const;
    w.write([], ['mine', 'over', 'theirs', 'unknown', 'later'].map((roomId) => ({ roomId, view })));
    await w.drain();
    expect(await check.hmget(keys.roomInfo('mine'), 'status', 'player_count')).to.deep.equal(['playing', '1']);
    expect(await check.hget(keys.roomInfo('over'), 'status')).to.equal('ended');
    expect(await check.hget(keys.roomInfo('theirs'), 'status')).to.equal('assigned');
    expect(await check.hget(keys.roomInfo('later'), 'status'), 'placed here again at a later epoch: not this copy').to.equal('assigned');
    expect(await check.exists(keys.roomInfo('unknown'))).to.equal(0);
    expect(movedAway.sort(), 'ended by the Matcher, placed elsewhere, unknown: not to be played here').to.deep.equal(['later', 'over', 'theirs', 'unknown']);
    expect(sampleValue(parsePromText(await registry.metrics()), 'room_fenced_writes_total', { write: 'info' })).to.equal(4);
  });

  it('fences the checkpoints of a room the Matcher moved away, however the write races the move', async () => {
    const { stats, writes, registry } = newStats();
    const movedAway: string[] = [];
    const w = writer(stats, movedAway);
    await place(['stays', 'moves']);
    w.write([world('stays', 'me', 1, 5), world('moves', 'me', 1, 5)], []);
    await w.drain();
    // The Matcher moves "moves" to another server (placement epoch 1), which has not written yet.
    await place(['moves'], 1, '127.0.0.2:7777');
    w.write([world('stays', 'me', 1, 10), world('moves', 'me', 1, 10)], []);
    await w.drain();
    expect((await stored('moves')).tick, 'the old server never writes the moved room again').to.equal(5);
    expect((await stored('stays')).tick).to.equal(10);
    expect(movedAway).to.deep.equal(['moves']);
    expect(await writes('fenced')).to.equal(1);
    expect(sampleValue(parsePromText(await registry.metrics()), 'room_fenced_writes_total', { write: 'checkpoint' })).to.equal(1);

    // Ended by the Matcher (SERVER_LOST while it could not move): no more writes either.
    await check.hset(keys.roomInfo('stays'), 'status', 'ended');
    w.write([world('stays', 'me', 1, 11)], []);
    await w.drain();
    expect((await stored('stays')).tick).to.equal(10);
    expect(movedAway).to.deep.equal(['moves', 'stays']);

    // Moved back here later (epoch 2): a copy hosted at epoch 0 is still fenced, one at epoch 2 writes.
    await place(['moves'], 2);
    w.write([world('moves', 'me', 1, 12)], []);
    await w.drain();
    expect((await stored('moves')).tick).to.equal(5);
    w.write([{ ...world('moves', 'me', 2, 13), placementEpoch: 2 }], []);
    await w.drain();
    expect(await stored('moves')).to.include({ tick: 13, placementEpoch: 2 });
  });

  it('skips and counts checkpoints while Redis is down, and writes again once it is back', async () => {
    const { stats, writes } = newStats();
    const w = writer(stats);
    await server.kill();
    w.write([world('r1', 'me', 1, 5), world('r2', 'me', 1, 5)], [{ roomId: 'r1', view: { status: 'playing', playerCount: 2, placementEpoch: 0 } }]);
    await w.drain();
    expect(await writes('skipped')).to.equal(2);
    expect(await writes('failed')).to.equal(0);
    await server.restart();
    await waitForRedis(redis, 5000);
    await check.hset(keys.roomInfo('r1'), 'addr', addr, 'status', 'assigned');
    w.write([world('r1', 'me', 1, 10)], []);
    await w.drain();
    expect((await stored('r1')).tick).to.equal(10);
    expect(await check.hget(keys.roomInfo('r1'), 'status'), 'the info change waited for Redis').to.equal('playing');
  });
});
