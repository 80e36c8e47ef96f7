import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import type { WorldState } from '../../src/gen/mini/room/v1/world.js';
import { FailoverSystem, ownerOf, scrapeMetric, type Game } from '../support/failover-system.js';
import type { LibraryPlayer } from '../support/library-player.js';
import type { ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

/** The checkpointed state of each game, read once its server can no longer write. */
async function checkpoints(system: FailoverSystem, games: Game[]): Promise<Map<string, WorldState>> {
  const states = await Promise.all(games.map((g) => system.checkpoint(g.roomId)));
  return new Map(games.map((g, i) => [g.roomId, states[i]!]));
}

/** Both players are back in the same game on a server other than `lost`, continuing from its checkpoint. */
async function continuedElsewhere(system: FailoverSystem, game: Game, lost: ServiceProcess, checkpoint: WorldState): Promise<void> {
  const { addr, epoch } = await system.placement(game.roomId);
  expect(addr, `room ${game.roomId} moved`).to.not.equal(lost.address);
  expect(epoch).to.be.greaterThan(0);
  for (const player of game.players) {
    expect(player.roomAddr).to.equal(addr);
    expect(player.welcomes.at(-1)).to.include({ roomId: game.roomId, resumed: true });
    const first = player.ticksOfLastConnection[0]!;
    expect(first.tick, 'the game goes on from the checkpointed tick').to.be.at.least(checkpoint.tick);
    expect(first.scores, 'with the checkpointed score').to.deep.equal([checkpoint.left!.score, checkpoint.right!.score]);
  }
}

const backInGame = (game: Game, lost: ServiceProcess): boolean =>
  game.players.every((p) => p.roomAddr !== lost.address && p.welcomes.length >= 2 && p.ticksOfLastConnection.length > 0);

describe('chaos: a room server lost for good (SIGKILL, real processes)', function () {
  this.timeout(120000);
  let system: FailoverSystem;
  let victim: ServiceProcess;
  let games: Game[];

  before(async function () {
    this.timeout(90000);
    system = await FailoverSystem.start();
    // The victim first and alone, so it gets 20 games; then two survivors with a game each.
    victim = await system.startRoom(30);
    games = await system.games(20);
    await system.startRoom(15);
    await system.startRoom(15);
    await system.games(2);
  });
  after(async () => system.stop());

  it('moves all 20 of its games to the survivors, which go on with the checkpointed score, and strands nobody', async () => {
    await victim.kill();
    const saved = await checkpoints(system, games);
    await eventually('every game back in play on a survivor', () => games.every((g) => backInGame(g, victim)), 30000);
    for (const game of games) await continuedElsewhere(system, game, victim, saved.get(game.roomId)!);
    const survivors = system.rooms.filter((r) => r !== victim).map((r) => r.address);
    const perSurvivor = await Promise.all(survivors.map((addr) => system.check.scard(dk.roomServerRooms(addr))));
    expect(perSurvivor.reduce((a, b) => a + b, 0), 'every moved room and the survivors’ own').to.equal(22);
    expect(await system.check.exists(dk.roomServerRooms(victim.address))).to.equal(0);
    expect(await system.check.zscore(dk.roomServersSeen(), victim.address), 'the lost server is forgotten').to.equal(null);
    expect(await scrapeMetric(system.matcher, 'room_ended_unmovable_total', { cause: 'lease_lost' })).to.equal(0);
    const survivorRooms = system.rooms.filter((r) => r !== victim);
    const restores = await Promise.all(survivorRooms.map((r) => scrapeMetric(r, 'checkpoint_restore_duration_seconds_count')));
    expect(restores.reduce((a, b) => a! + b!, 0), 'each moved game restored once, and timed').to.equal(20);
    const moved = ['lease_lost', 'reported'].map((cause) => scrapeMetric(system.matcher, 'room_moves_total', { cause }));
    expect((await Promise.all(moved)).reduce((a, b) => a! + b!, 0)).to.equal(20);

    // New matches go to the survivors.
    const [fresh] = await system.games(1);
    expect(survivors).to.include(fresh!.players[0].roomAddr);

    // Each game finishes on its new server (a player leaves): the result keeps the checkpointed score.
    for (const game of games) game.players[0].close();
    await eventually('every game ended', () => games.every((g) => g.players[1].overs.length > 0), 15000);
    for (const game of games) {
      const { result } = game.players[1].overs[0]!;
      const saved_ = saved.get(game.roomId)!;
      expect(result?.reason).to.equal(EndReason.END_REASON_FORFEIT);
      const scores = Object.fromEntries((result?.scores ?? []).map((s) => [s.playerId, s.score]));
      expect(scores[saved_.left!.playerId]).to.be.at.least(saved_.left!.score);
      expect(scores[saved_.right!.playerId]).to.be.at.least(saved_.right!.score);
      for (const player of game.players) {
        await eventually('the assignment deleted', () => system.grpc.getAssignment({}, system.auth(player)).then(() => false, (err: { code?: number }) => err.code === status.NOT_FOUND));
        expect((await system.grpc.enqueue({ mmr: 99_000 }, system.auth(player))).created, 'can queue again').to.equal(true);
        await system.grpc.dequeue({}, system.auth(player));
      }
    }
  });
});

describe('chaos: a room server paused past its lease (SIGSTOP, SIGCONT; real processes)', function () {
  this.timeout(90000);
  let system: FailoverSystem;
  let victim: ServiceProcess;
  let games: Game[];

  before(async function () {
    this.timeout(60000);
    system = await FailoverSystem.start();
    victim = await system.startRoom(10);
    games = await system.games(3);
    await system.startRoom(10);
  });
  after(async () => {
    victim.child.kill('SIGCONT');
    await system.stop();
  });

  it('moves its games; back, its writes are refused, it drops them, nothing is played twice, and it rejoins empty', async () => {
    const victimOwner = ownerOf(victim);
    victim.child.kill('SIGSTOP');
    const saved = await checkpoints(system, games);
    await eventually('every game back in play on the survivor', () => games.every((g) => backInGame(g, victim)), 30000);
    for (const game of games) await continuedElsewhere(system, game, victim, saved.get(game.roomId)!);
    await eventually('the survivor checkpoints the moved games', async () => ((await scrapeMetric(system.rooms[1]!, 'room_checkpoint_writes_total', { result: 'written' })) ?? 0) > 0);

    victim.child.kill('SIGCONT');
    await eventually('the paused server drops every moved room', async () => (await scrapeMetric(victim, 'room_moved_away_total')) === 3, 15000);
    // Whichever of its writes comes first after the pause (a checkpoint, or a room info update such as
    // a player gone silent) meets the fence; under load either may.
    const fenced = async (write: string): Promise<number> => (await scrapeMetric(victim, 'room_fenced_writes_total', { write })) ?? 0;
    expect((await fenced('checkpoint')) + (await fenced('info')), 'its writes to the moved rooms were fenced').to.be.greaterThan(0);
    expect(await scrapeMetric(victim, 'room_active_rooms'), 'it plays none of them').to.equal(0);
    await eventually('it registers again', () => victim.output.filter((l) => l.includes('registered with the matcher')).length >= 2, 15000);
    await eventually('it is live again', async () => (await system.check.hget(dk.roomServer(victim.address), 'status')) === 'live');
    expect(await system.check.scard(dk.roomServerRooms(victim.address)), 'as a fresh, empty server').to.equal(0);

    // The games go on on the survivor only: its checkpoints, newer than the pause, and the players' ticks advance.
    const ticksBefore = games.map((g) => g.players[0].lastTick!.tick);
    await eventually('the games advance', () => games.every((g, i) => g.players[0].lastTick!.tick > ticksBefore[i]! + 30));
    for (const game of games) {
      const state = (await system.checkpoint(game.roomId))!;
      expect(state.owner, 'no checkpoint of the paused server survives').to.not.equal(victimOwner);
      expect(state.owner).to.equal(ownerOf(system.rooms[1]!));
      expect(state.tick).to.be.greaterThan(saved.get(game.roomId)!.tick);
      for (const player of game.players) expect(player.roomAddr).to.equal(system.rooms[1]!.address);
    }
  });
});

describe('chaos: a lost room server’s game with no checkpoint left (real processes)', function () {
  this.timeout(60000);
  let system: FailoverSystem;

  before(async function () {
    this.timeout(60000);
    system = await FailoverSystem.start();
  });
  after(async () => system.stop());

  it('ends as SERVER_LOST: both players get ENDED pushed and can queue again at once', async () => {
    const victim = await system.startRoom(5);
    const [game] = await system.games(1);
    await system.startRoom(5);
    const watched = game!.players[0];
    const events: WatchAssignmentResponse[] = [];
    const watch = system.grpc.matcher.watchAssignment({}, system.auth(watched));
    watch.on('data', (event: WatchAssignmentResponse) => events.push(event));
    watch.on('error', () => {});
    await eventually('the current status first', () => events.length > 0);

    await victim.kill();
    await system.check.del(dk.roomCheckpoint(game!.roomId)); // as if it had expired
    const ended = await eventually('ENDED pushed', () => events.find((e) => e.status === TicketStatus.TICKET_STATUS_ENDED), 20000);
    expect(ended.assignment).to.equal(undefined);
    const requeued = await Promise.all(game!.players.map((p: LibraryPlayer) => system.grpc.enqueue({ mmr: 98_000 }, system.auth(p))));
    expect(requeued.map((r) => r.created), 'both queue again at once').to.deep.equal([true, true]);
    expect(await system.check.hmget(dk.roomInfo(game!.roomId), 'status', 'end_reason')).to.deep.equal(['ended', 'END_REASON_SERVER_LOST']);
    expect(await scrapeMetric(system.matcher, 'room_ended_unmovable_total', { cause: 'lease_lost' })).to.equal(1);
    const results = await system.check.xrange(dk.roomResults(), '-', '+');
    expect(results.some(([, fields]) => fields.includes(game!.roomId) && fields.includes('END_REASON_SERVER_LOST'))).to.equal(true);
    // The library clients give up on the game: the Matcher has no assignment for them any more.
    await eventually('both clients told the game is over', () => game!.players.every((p) => p.overs.length > 0), 40000);
    for (const player of game!.players) expect(player.overs[0]!.reason).to.be.oneOf(['assignment_gone', 'room_gone']);
  });
});
