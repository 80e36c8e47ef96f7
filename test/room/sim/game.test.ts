import { expect } from 'chai';
import { EndReason } from '../../../src/gen/mini/room/v1/registry.js';
import { RoomPhase } from '../../../src/gen/mini/room/v1/world.js';
import { encodeWorld } from '../../../src/room/sim/checkpoint.js';
import { step, type TickInputs } from '../../../src/room/sim/step.js';
import { createWorld, type PlayerSlot, type World } from '../../../src/room/sim/world.js';
import { bothPlay, config, inFlight, joined, LEFT, RIGHT, run, startedWorld, trackingBot } from './sim-fixture.js';

describe('room sim: game', () => {
  it('starts once both players are in, with a seeded serve after the serve delay', () => {
    const waiting = joined(createWorld('room-1', config, 7), LEFT, 'alice');
    expect(waiting.phase).to.equal(RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS);
    const started = startedWorld(7);
    expect(started.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
    expect(started.countdownTicks).to.equal(config.serveDelayTicks);
    expect(started.ball).to.include({ x: 500_000, y: 300_000 });
    expect(Math.abs(started.ball.vx)).to.equal(config.serveSpeedUnitsPerTick);
    expect(started.ball.vy).to.be.within(-config.serveMaxVerticalUnitsPerTick, config.serveMaxVerticalUnitsPerTick);
    const serves = new Set([1, 2, 3, 4, 5, 6].map((seed) => JSON.stringify(startedWorld(seed).ball)));
    expect(serves.size).to.be.greaterThan(1);
    expect(startedWorld(7).ball).to.deep.equal(started.ball);
  });

  it('scores when the ball reaches a goal line, then re-serves from the centre', () => {
    // x - r = 92,000 shrinks by 8,000 a tick and reaches the goal line on tick 12; the left paddle is far.
    const world = inFlight({ x: 100_000, y: 500_000, vx: -8_000, vy: 0 }, { left: 60_000 });
    const before = run(world, 11, () => ({}));
    expect(before.events).to.deep.equal([]);
    const { state, events } = step(before.state, {}, config);
    expect(events).to.deep.equal([{ kind: 'scored', tick: world.tick + 12, slot: RIGHT, leftScore: 0, rightScore: 1 }]);
    expect(state.right.score).to.equal(1);
    expect(state.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
    expect(state.ball).to.include({ x: 500_000, y: 300_000 });
    expect(state.countdownTicks).to.equal(config.serveDelayTicks);
    expect(state.rngState).to.not.equal(world.rngState);
  });

  const games: { winner: PlayerSlot; inputs: (w: World) => TickInputs }[] = [
    { winner: LEFT, inputs: (w) => ({ left: trackingBot(w, LEFT) }) },
    { winner: RIGHT, inputs: (w) => ({ right: trackingBot(w, RIGHT) }) },
  ];
  for (const g of games) {
    it(`plays to the score limit: the ${g.winner === LEFT ? 'left' : 'right'} tracker beats a still paddle 5-0`, () => {
      const { state, events } = run(startedWorld(), 20_000, g.inputs);
      const [leftScore, rightScore] = g.winner === LEFT ? [5, 0] : [0, 5];
      expect(state.phase).to.equal(RoomPhase.ROOM_PHASE_ENDED);
      expect(state.winner).to.equal(g.winner);
      expect(state.endReason).to.equal(EndReason.END_REASON_SCORE_LIMIT);
      expect([state.left.score, state.right.score]).to.deep.equal([leftScore, rightScore]);
      expect(events.filter((e) => e.kind === 'scored').map((e) => e.slot)).to.deep.equal([g.winner, g.winner, g.winner, g.winner, g.winner]);
      expect(events.at(-1)).to.deep.equal({ kind: 'ended', tick: state.tick, winner: g.winner, reason: EndReason.END_REASON_SCORE_LIMIT, leftScore, rightScore });
    });
  }

  it('plays a full game between two fallible players to the score limit', () => {
    const { state, events } = run(startedWorld(), 20_000);
    const scored = events.filter((e) => e.kind === 'scored');
    expect(scored.map((e) => e.slot)).to.deep.equal([LEFT, RIGHT, RIGHT, RIGHT, LEFT, LEFT, LEFT, LEFT]);
    expect(scored.map((e) => [e.leftScore, e.rightScore]).at(-1)).to.deep.equal([5, 3]);
    expect(events.at(-1)).to.deep.equal({ kind: 'ended', tick: 4121, winner: LEFT, reason: EndReason.END_REASON_SCORE_LIMIT, leftScore: 5, rightScore: 3 });
    expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_ENDED, tick: 4121, winner: LEFT });
  });

  it('does nothing once ended', () => {
    const ended = run(startedWorld(), 20_000).state;
    const after = step(ended, bothPlay(ended), config);
    expect(after.events).to.deep.equal([]);
    expect(encodeWorld(after.state)).to.deep.equal(encodeWorld(ended));
  });

  it('is deterministic: the same inputs give identical bytes at every tick', () => {
    const trace = (): Uint8Array[] => {
      let world = startedWorld(42);
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 3_000 && world.phase !== RoomPhase.ROOM_PHASE_ENDED; i++) {
        world = step(world, i % 7 === 0 ? { left: trackingBot(world, LEFT) } : bothPlay(world), config).state;
        frames.push(encodeWorld(world));
      }
      return frames;
    };
    const first = trace();
    const second = trace();
    expect(first.length).to.be.greaterThan(100);
    expect(second).to.deep.equal(first);
  });
});
