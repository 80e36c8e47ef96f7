import { expect } from 'chai';
import { FailoverSystem, scrapeMetric, type Game } from '../support/failover-system.js';
import type { ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';

/** The score of each side as this player last saw it, summed: it never goes down in a game. */
const scoreSum = (game: Game): number => game.players[0].lastTick!.scores.reduce((a, b) => a + b, 0);

describe('chaos: rolling restart of every room server under load (SIGTERM drain, real processes)', function () {
  this.timeout(150000);
  let system: FailoverSystem;
  let games: Game[];

  before(async function () {
    this.timeout(60000);
    system = await FailoverSystem.start();
    for (let i = 0; i < 3; i++) await system.startRoom(20);
    games = await system.games(6);
  });
  after(async () => system.stop());

  it('hands each server’s games over on SIGTERM; the players follow at once and no game is lost', async () => {
    const original = system.rooms.slice();
    let handedOver = 0;
    for (const draining of original) {
      const onIt = await gamesOn(system, games, draining);
      const scoresBefore = games.map(scoreSum);
      const reconnectsBefore = games.map((g) => g.players.map((p) => p.reconnects.length));
      const welcomesBefore = new Map(onIt.flatMap((g) => g.players.map((p) => [p, p.welcomes.length] as const)));
      expect(await draining.stop(), 'a drain exits 0').to.equal(0);
      handedOver += onIt.length;
      await eventually(
        'every game of the drained server back in play elsewhere',
        () => onIt.every((g) => g.players.every((p) => p.welcomes.length > welcomesBefore.get(p)! && p.ticksOfLastConnection.length > 0)),
        20000,
      );
      for (const game of onIt) {
        for (const [i, player] of game.players.entries()) {
          const reconnect = player.reconnects[reconnectsBefore[games.indexOf(game)]![i]!];
          expect(reconnect?.reason, 'told by the draining server, not by silence').to.equal('moved');
          expect(player.welcomes.at(-1)).to.include({ roomId: game.roomId, resumed: true });
          expect(player.roomAddr).to.not.equal(draining.address);
        }
      }
      games.forEach((game, i) => expect(scoreSum(game), `game ${game.roomId} keeps its score`).to.be.at.least(scoresBefore[i]!));
      await system.startRoom(20); // its replacement
    }
    // Every game is still the same game, in play on one of the new servers.
    const replacements = system.rooms.slice(3).map((r) => r.address);
    for (const game of games) {
      const { addr } = await system.placement(game.roomId);
      expect(replacements).to.include(addr);
      for (const player of game.players) expect(player.welcomes.every((w) => w.roomId === game.roomId)).to.equal(true);
    }
    const ticks = games.map((g) => g.players[1].lastTick!.tick);
    await eventually('every game advances', () => games.every((g, i) => g.players[1].lastTick!.tick > ticks[i]! + 30));
    expect(await scrapeMetric(system.matcher, 'room_moves_total', { cause: 'drain' }), 'moves by hand-over').to.equal(handedOver);
    expect(await scrapeMetric(system.matcher, 'room_ended_unmovable_total', { cause: 'drain' })).to.equal(0);
  });
});

/** The games placed on a server now. */
async function gamesOn(system: FailoverSystem, games: Game[], server: ServiceProcess): Promise<Game[]> {
  const placements = await Promise.all(games.map((g) => system.placement(g.roomId)));
  return games.filter((_, i) => placements[i]!.addr === server.address);
}
