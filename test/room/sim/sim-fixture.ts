import { expect } from 'chai';
import { Slot } from '../../../src/gen/mini/matcher/v1/matcher.js';
import type { SimConfig } from '../../../src/room/sim/config.js';
import type { SimEvent } from '../../../src/room/sim/events.js';
import type { Direction } from '../../../src/room/sim/physics.js';
import { joinSlot, markReconnecting } from '../../../src/room/sim/slots.js';
import { step, type TickInputs } from '../../../src/room/sim/step.js';
import { createWorld, paddleOf, type PlayerSlot, type World } from '../../../src/room/sim/world.js';

export const LEFT: PlayerSlot = Slot.SLOT_LEFT;
export const RIGHT: PlayerSlot = Slot.SLOT_RIGHT;

/** Spelled out rather than the defaults, so tuning the game does not move the expected values here. */
export const config: SimConfig = {
  fieldWidthUnits: 1_000_000,
  fieldHeightUnits: 600_000,
  paddleHeightUnits: 120_000,
  paddleFaceInsetUnits: 45_000,
  paddleSpeedUnitsPerTick: 10_000,
  ballHalfSizeUnits: 8_000,
  serveSpeedUnitsPerTick: 8_000,
  serveMaxVerticalUnitsPerTick: 4_000,
  bounceMaxVerticalUnitsPerTick: 8_000,
  speedUpUnitsPerHit: 500,
  maxBallSpeedUnitsPerTick: 16_000,
  serveDelayTicks: 60,
  resumeCountdownTicks: 60,
  reconnectGraceTicks: 600,
  scoreLimit: 5,
};

/** The world after a successful join; fails the test on a refusal. */
export function joined(world: World, slot: PlayerSlot, playerId: string, cfg: SimConfig = config): World {
  const result = joinSlot(world, slot, playerId, cfg);
  if (!result.ok) expect.fail(`join refused: ${result.refusal}`);
  return result.state;
}

/** alice (left) and bob (right) in a game that has just started. */
export function startedWorld(seed = 7, cfg: SimConfig = config): World {
  return joined(joined(createWorld('room-1', cfg, seed), LEFT, 'alice', cfg), RIGHT, 'bob', cfg);
}

/** A player who moves their paddle towards the ball, numbering inputs by tick. */
export function trackingBot(world: World, slot: PlayerSlot): { seq: number; move: Direction } {
  const gap = world.ball.y - paddleOf(world, slot).y;
  return { seq: world.tick + 1, move: gap > 0 ? 1 : gap < 0 ? -1 : 0 };
}

/** A player who only reacts once the ball comes within 150,000 of their goal line, and so misses some. */
export function lateBot(world: World, slot: PlayerSlot): { seq: number; move: Direction } | undefined {
  const { x, vx } = world.ball;
  const near = slot === LEFT ? vx < 0 && x < 150_000 : vx > 0 && x > config.fieldWidthUnits - 150_000;
  return near ? trackingBot(world, slot) : undefined;
}

/** Two late players: with the fixture's seed they trade points and alice wins 5-3 on tick 4121. */
export const bothPlay = (world: World): TickInputs => ({ left: lateBot(world, LEFT), right: lateBot(world, RIGHT) });

/** Slot changes the host applies at the start of a given tick, before stepping it. */
export type Script = Record<number, (world: World) => World>;

/** The seed's scenario: alice drops at tick 50 and is back at tick 55. */
export const dropAndReturn: Script = {
  50: (w) => markReconnecting(w, LEFT).state,
  55: (w) => joined(w, LEFT, 'alice'),
};

/** Steps a world `ticks` times, applying the script and the inputs, collecting every event. */
export function run(
  world: World,
  ticks: number,
  inputs: (world: World) => TickInputs = bothPlay,
  script: Script = {},
  cfg: SimConfig = config,
): { state: World; events: SimEvent[] } {
  let state = world;
  const events: SimEvent[] = [];
  for (let i = 0; i < ticks; i++) {
    state = script[state.tick]?.(state) ?? state;
    const result = step(state, inputs(state), cfg);
    state = result.state;
    events.push(...result.events);
  }
  return { state, events };
}

/** A world that is playing with the ball in flight as given (no countdown). */
export function inFlight(ball: World['ball'], paddles: { left?: number; right?: number } = {}): World {
  const world = startedWorld();
  return {
    ...world,
    countdownTicks: 0,
    ball,
    left: { ...world.left, y: paddles.left ?? world.left.y },
    right: { ...world.right, y: paddles.right ?? world.right.y },
  };
}
