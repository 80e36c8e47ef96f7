import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { RoomPhase, WorldState } from '../../src/gen/mini/room/v1/world.js';
import { LibraryPlayer } from '../support/library-player.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const rooms = 30;
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_REGISTRY_RETRY_MS: '100' };

/** What a player knew just before its link was cut. */
interface BeforeDrop {
  roomId: string;
  slot: number;
  tick: number;
  scores: [number, number];
}

describe('chaos: reconnect storm, every player of many rooms dropped at once (real processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  let redis: RedisServer;
  let matcher: ServiceProcess;

  before(async function () {
    this.timeout(40000);
    redis = stack.add(await RedisServer.start());
    matcher = stack.add(await startMatcher(redis.url, matcherEnv));
    stack.add(await startRoomServer(redis.url, matcher.address, roomEnv, 0, ['--max-rooms', String(rooms * 2)]));
  });
  after(async () => stack.stop());

  it(`${rooms * 2} players of ${rooms} rooms come back into the same games, which go on from where they were, scores kept`, async () => {
    const check = redis.client();
    stack.add({ stop: () => check.disconnect() });
    // One MMR per pair, far apart: each pair is one room. The chaser scores against the one standing still.
    const players = Array.from({ length: rooms * 2 }, (_, i) => {
      const mmr = 1000 + Math.floor(i / 2) * 1000;
      return new LibraryPlayer(matcher.address, { deviceId: deviceIdOf(`chaos-storm-${i}`), mmr, chase: i % 2 === 0 });
    });
    stack.add({ stop: () => players.forEach((p) => p.close()) });
    const failures: unknown[] = [];
    for (const p of players) p.play().catch((err: unknown) => failures.push(err));
    await eventually('every room playing', () => failures.length > 0 || players.every((p) => p.lastTick !== undefined), 20000);
    expect(failures.map(String)).to.deep.equal([]);
    const roomIds = new Set(players.map((p) => p.roomId!));
    expect(roomIds.size).to.equal(rooms);
    await eventually('a point scored in every room', () => players.every((p) => p.lastTick!.scores[0] + p.lastTick!.scores[1] > 0), 30000);

    // Every link cut at once, no Disconnect: the rooms notice the silence and hold their games.
    const atDrop = new Map<LibraryPlayer, BeforeDrop>();
    for (const p of players) {
      const { tick, scores } = p.lastTick!;
      atDrop.set(p, { roomId: p.roomId!, slot: p.game.welcome!.slot, tick, scores });
      p.game.drop();
    }
    const held = await eventually('every room paused', async () => {
      const worlds = await Promise.all([...roomIds].map((id) => checkpoint(check, id)));
      return worlds.every((w) => w?.phase === RoomPhase.ROOM_PHASE_PAUSED) ? new Map(worlds.map((w) => [w!.roomId, w!])) : undefined;
    }, 15000);

    // The storm: everyone reconnects at the same moment (GetAssignment, new socket, handshake).
    const seenBefore = new Map(players.map((p) => [p, p.ticks.length]));
    for (const p of players) p.game.reconnect();
    await eventually('every player back', () => failures.length > 0 || players.every((p) => p.reconnects.length === 1), 20000);
    expect(players.flatMap((p) => p.errors).map(String), 'reconnects that failed').to.deep.equal([]);

    for (const p of players) {
      const was = atDrop.get(p)!;
      const { welcome } = p.reconnects[0]!;
      expect(welcome, 'same room, same seat, resumed').to.include({ roomId: was.roomId, slot: was.slot, resumed: true });
      expect(welcome.tick, 'the game went on from where it was').to.be.at.least(was.tick);
      const world = held.get(was.roomId)!;
      const first = p.ticks[seenBefore.get(p)!]!;
      expect(first.scores, 'scores as the room held them').to.deep.equal([world.left!.score, world.right!.score]);
      expect(first.scores[0] + first.scores[1], 'no point lost').to.be.at.least(was.scores[0] + was.scores[1]);
    }
    // And the games play on: both players back, the countdown runs out, the ball moves again.
    await eventually('every room playing again', () => players.every((p) => p.ticks.slice(seenBefore.get(p)!).some((t) => t.phase === RoomPhase.ROOM_PHASE_PLAYING)), 15000);
  });
});

async function checkpoint(redis: Redis, roomId: string): Promise<WorldState | undefined> {
  const bytes = await redis.getBuffer(dk.roomCheckpoint(roomId));
  return bytes ? WorldState.decode(bytes) : undefined;
}
