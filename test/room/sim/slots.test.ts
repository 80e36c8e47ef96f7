import { expect } from 'chai';
import { Slot } from '../../../src/gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../../src/gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../../src/gen/mini/room/v1/world.js';
import { encodeWorld } from '../../../src/room/sim/checkpoint.js';
import { joinSlot, markReconnecting } from '../../../src/room/sim/slots.js';
import { step, type TickInputs } from '../../../src/room/sim/step.js';
import { createWorld, paddleOf, type PlayerSlot, type World } from '../../../src/room/sim/world.js';
import { config, dropAndReturn, joined, LEFT, RIGHT, run, startedWorld, trackingBot, type Script } from './sim-fixture.js';

const drop = (slot: PlayerSlot) => (w: World): World => markReconnecting(w, slot).state;

describe('room sim: slots', () => {
  it('refuses a slot held by another player and any join once the game is over', () => {
    const world = startedWorld();
    expect(joinSlot(world, LEFT, 'mallory', config)).to.deep.equal({ ok: false, refusal: 'slot-taken' });
    expect(joinSlot(markReconnecting(world, LEFT).state, LEFT, 'mallory', config)).to.deep.equal({ ok: false, refusal: 'slot-taken' });
    const ended = run(world, 20_000).state;
    expect(joinSlot(ended, LEFT, 'alice', config)).to.deep.equal({ ok: false, refusal: 'game-over' });
  });

  it('treats a repeated join of an active player as a no-op', () => {
    const world = run(startedWorld(), 80).state;
    const again = joinSlot(world, LEFT, 'alice', config);
    expect(again).to.deep.equal({ ok: true, state: world, events: [] });
  });

  it('reports who joined and when the game started', () => {
    const first = joinSlot(createWorld('room-1', config, 7), RIGHT, 'bob', config);
    if (!first.ok) expect.fail(first.refusal);
    expect(first.events).to.deep.equal([{ kind: 'joined', tick: 0, slot: RIGHT, playerId: 'bob' }]);
    const second = joinSlot(first.state, LEFT, 'alice', config);
    if (!second.ok) expect.fail(second.refusal);
    expect(second.events).to.deep.equal([{ kind: 'joined', tick: 0, slot: LEFT, playerId: 'alice' }, { kind: 'started', tick: 0 }]);
  });

  it('ignores inputs for empty and reconnecting slots, and stale or repeated inputs', () => {
    const waiting = joined(createWorld('room-1', config, 7), RIGHT, 'bob');
    const inputs: TickInputs = { left: { seq: 1, move: 1 }, right: { seq: 1, move: 1 } };
    const afterWaiting = step(waiting, inputs, config).state;
    expect([afterWaiting.left.y, afterWaiting.right.y, afterWaiting.right.lastInputSeq]).to.deep.equal([300_000, 300_000, 0]);

    const paused = markReconnecting(startedWorld(), LEFT).state;
    const afterPaused = step(paused, inputs, config).state;
    expect([afterPaused.left.y, afterPaused.left.lastInputSeq, afterPaused.right.y]).to.deep.equal([300_000, 0, 300_000]);

    const playing = step(startedWorld(), { left: { seq: 5, move: 1 } }, config).state;
    expect(playing.left).to.include({ y: 310_000, lastInputSeq: 5 });
    for (const seq of [5, 4]) {
      expect(step(playing, { left: { seq, move: 1 } }, config).state.left).to.include({ y: 310_000, lastInputSeq: 5 });
    }
  });

  it('marking a slot that is not active changes nothing', () => {
    const paused = markReconnecting(startedWorld(), LEFT).state;
    const empty = createWorld('room-1', config, 7);
    for (const [world, slot] of [[paused, LEFT], [empty, RIGHT]] as const) {
      const result = markReconnecting(world, slot);
      expect(result).to.deep.equal({ state: world, events: [] });
    }
  });

  it('restarts the input sequence for a returning player, whose new connection counts from 1', () => {
    const away = run(startedWorld(), 55, (w) => ({ left: trackingBot(w, LEFT) }), dropAndReturn).state;
    expect(away.left.lastInputSeq).to.equal(50);
    const back = joined(away, LEFT, 'alice');
    expect(back.left.lastInputSeq).to.equal(0);
    expect(step(back, { left: { seq: 1, move: 1 } }, config).state.left).to.include({ lastInputSeq: 1, y: away.left.y + 10_000 });
  });
});

describe('room sim: forfeit', () => {
  const cases: { name: string; script: Script; endTick: number; winner: Slot; reason: EndReason; forfeited: PlayerSlot[] }[] = [
    { name: 'the absent side loses when the grace runs out', script: { 50: drop(LEFT) }, endTick: 650, winner: RIGHT, reason: EndReason.END_REASON_FORFEIT, forfeited: [LEFT] },
    {
      name: 'each player has their own grace',
      script: { 50: drop(RIGHT), 300: drop(LEFT) },
      endTick: 650,
      winner: LEFT,
      reason: EndReason.END_REASON_FORFEIT,
      forfeited: [RIGHT],
    },
    { name: 'both gone at once: abandoned', script: { 50: (w) => drop(RIGHT)(drop(LEFT)(w)) }, endTick: 650, winner: Slot.SLOT_UNSPECIFIED, reason: EndReason.END_REASON_ABANDONED, forfeited: [LEFT, RIGHT] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const justBefore = run(startedWorld(), c.endTick - 1, undefined, c.script).state;
      expect(justBefore.phase).to.equal(RoomPhase.ROOM_PHASE_PAUSED);
      const { state, events } = step(justBefore, {}, config);
      expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_ENDED, tick: c.endTick, winner: c.winner, endReason: c.reason });
      for (const slot of c.forfeited) expect(paddleOf(state, slot).status).to.equal(SlotStatus.SLOT_STATUS_FORFEITED);
      expect(events).to.deep.equal([
        { kind: 'ended', tick: c.endTick, winner: c.winner, reason: c.reason, leftScore: state.left.score, rightScore: state.right.score },
      ]);
    });
  }

  it('a player back one tick before the grace runs out keeps playing', () => {
    const { state } = run(startedWorld(), 1_000, undefined, { 50: drop(LEFT), 649: (w) => joined(w, LEFT, 'alice') });
    expect(state.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
    expect(state.left.status).to.equal(SlotStatus.SLOT_STATUS_ACTIVE);
  });

  it('a room whose only player left before the opponent came is abandoned', () => {
    const lonely = markReconnecting(joined(createWorld('room-1', config, 7), LEFT, 'alice'), LEFT).state;
    const { state } = run(lonely, config.reconnectGraceTicks);
    expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_ENDED, winner: Slot.SLOT_UNSPECIFIED, endReason: EndReason.END_REASON_ABANDONED });
  });
});

describe('room sim: purity', () => {
  function deepFreeze<T extends object>(value: T): T {
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child);
    return Object.freeze(value);
  }

  it('never changes the world it is given', () => {
    // Frozen inputs make any write throw (modules are strict); the bytes catch anything else.
    let world = deepFreeze(joined(createWorld('room-1', config, 7), LEFT, 'alice'));
    world = deepFreeze(joined(world, RIGHT, 'bob'));
    for (let i = 0; i < 5_000 && world.phase !== RoomPhase.ROOM_PHASE_ENDED; i++) {
      const before = encodeWorld(world);
      const next = i === 50 ? markReconnecting(world, LEFT).state : i === 55 ? joined(world, LEFT, 'alice') : step(world, { left: trackingBot(world, LEFT) }, config).state;
      expect(encodeWorld(world)).to.deep.equal(before);
      expect(next).to.not.equal(world);
      world = deepFreeze(next);
    }
    expect(world.phase).to.equal(RoomPhase.ROOM_PHASE_ENDED);
  });
});
