import { expect } from 'chai';
import { RoomPhase, SlotStatus } from '../../../src/gen/mini/room/v1/world.js';
import { joinSlot, markReconnecting } from '../../../src/room/sim/slots.js';
import { step, type TickInputs } from '../../../src/room/sim/step.js';
import type { World } from '../../../src/room/sim/world.js';
import { bothPlay, config, dropAndReturn, joined, LEFT, RIGHT, run, startedWorld, trackingBot } from './sim-fixture.js';

/** What the players see: ball, paddles and scores. */
const board = (w: World): object => ({ ball: w.ball, left: [w.left.y, w.left.score], right: [w.right.y, w.right.score] });
const everyoneMoves = (w: World): TickInputs => ({ left: trackingBot(w, LEFT), right: trackingBot(w, RIGHT) });
const quickServe = { ...config, serveDelayTicks: 10 };

describe('room sim: reconnection', () => {
  it('seed scenario: A drops at tick 50, nothing moves, A is back at 55 and the game goes on from there', () => {
    const at50 = run(startedWorld(7, quickServe), 50, bothPlay, {}, quickServe).state;
    expect(at50.countdownTicks, 'the ball is in flight when A drops').to.equal(0);

    const dropped = markReconnecting(at50, LEFT);
    expect(dropped.events).to.deep.equal([{ kind: 'disconnected', tick: 50, slot: LEFT }, { kind: 'paused', tick: 50 }]);
    expect(dropped.state).to.include({ phase: RoomPhase.ROOM_PHASE_PAUSED, pausedAtTick: 50 });
    expect(dropped.state.left.status).to.equal(SlotStatus.SLOT_STATUS_RECONNECTING);

    let world = dropped.state;
    for (let tick = 51; tick <= 55; tick++) {
      world = step(world, everyoneMoves(world), quickServe).state;
      expect(world.tick).to.equal(tick);
      expect(board(world), `tick ${tick}`).to.deep.equal(board(at50));
      expect([world.left.lastInputSeq, world.right.lastInputSeq]).to.deep.equal([at50.left.lastInputSeq, at50.right.lastInputSeq]);
    }

    const back = joinSlot(world, LEFT, 'alice', quickServe);
    if (!back.ok) expect.fail(back.refusal);
    expect(back.events).to.deep.equal([{ kind: 'reconnected', tick: 55, slot: LEFT }, { kind: 'resumed', tick: 55, pausedTicks: 5 }]);
    expect(back.state).to.include({ phase: RoomPhase.ROOM_PHASE_PLAYING, countdownTicks: config.resumeCountdownTicks });

    // After the resume countdown the ball flies on from exactly where and how it was held.
    const afterCountdown = run(back.state, config.resumeCountdownTicks, () => ({}), {}, quickServe).state;
    expect(afterCountdown.ball).to.deep.equal(at50.ball);
    const next = step(afterCountdown, {}, quickServe).state;
    expect(next.ball.x).to.equal(at50.ball.x + at50.ball.vx);
  });

  it('without a resume countdown, a held game replays the uninterrupted one five ticks late', () => {
    const noCountdown = { ...quickServe, resumeCountdownTicks: 0 };
    let uninterrupted = run(startedWorld(7, noCountdown), 50, bothPlay, {}, noCountdown).state;
    let held = run(startedWorld(7, noCountdown), 55, bothPlay, dropAndReturn, noCountdown).state;
    held = joined(held, LEFT, 'alice', noCountdown);
    for (let i = 0; i < 1_500; i++) {
      expect(board(held), `${i} ticks after the return`).to.deep.equal(board(uninterrupted));
      held = step(held, bothPlay(held), noCountdown).state;
      uninterrupted = step(uninterrupted, bothPlay(uninterrupted), noCountdown).state;
    }
    expect(held.left.score + held.right.score, 'points were played after the return').to.be.greaterThan(0);
  });

  it('a pause never cuts a pending serve delay short', () => {
    const slowServe = { ...config, serveDelayTicks: 100, resumeCountdownTicks: 20 };
    const away = markReconnecting(run(startedWorld(7, slowServe), 10, bothPlay, {}, slowServe).state, LEFT).state;
    expect(joined(run(away, 5, bothPlay, {}, slowServe).state, LEFT, 'alice', slowServe).countdownTicks).to.equal(90);
  });

  it('a returning player who drops again is held again', () => {
    const { state } = run(startedWorld(), 100, bothPlay, { ...dropAndReturn, 80: (w) => markReconnecting(w, LEFT).state });
    expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_PAUSED, pausedAtTick: 80 });
    expect(state.left).to.include({ status: SlotStatus.SLOT_STATUS_RECONNECTING, disconnectedAtTick: 80 });
  });

  it('stays paused until both players are back', () => {
    const bothGone = markReconnecting(markReconnecting(run(startedWorld(), 50).state, LEFT).state, RIGHT);
    expect(bothGone.events).to.deep.equal([{ kind: 'disconnected', tick: 50, slot: RIGHT }]);
    const at60 = run(bothGone.state, 10).state;
    const aliceBack = joinSlot(at60, LEFT, 'alice', config);
    if (!aliceBack.ok) expect.fail(aliceBack.refusal);
    expect(aliceBack.events).to.deep.equal([{ kind: 'reconnected', tick: 60, slot: LEFT }]);
    expect(aliceBack.state.phase).to.equal(RoomPhase.ROOM_PHASE_PAUSED);
    const bobBack = joinSlot(run(aliceBack.state, 5).state, RIGHT, 'bob', config);
    if (!bobBack.ok) expect.fail(bobBack.refusal);
    expect(bobBack.events).to.deep.equal([{ kind: 'reconnected', tick: 65, slot: RIGHT }, { kind: 'resumed', tick: 65, pausedTicks: 15 }]);
    expect(bobBack.state.phase).to.equal(RoomPhase.ROOM_PHASE_PLAYING);
  });
});
