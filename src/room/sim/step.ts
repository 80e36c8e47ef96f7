import { RoomPhase, type PaddleState } from '../../gen/mini/room/v1/world.js';
import type { SimConfig } from './config.js';
import type { SimEvent, StepResult } from './events.js';
import { advanceBall, movePaddle, type Direction } from './physics.js';
import { expireGrace, score } from './rules.js';
import { cloneWorld, type World } from './world.js';

/** One player's input for one tick. Sequence numbers start at 1 and increase per connection. */
export interface PaddleInput {
  seq: number;
  move: Direction;
}

/** The inputs that arrived for a tick; a missing one leaves that paddle still. */
export interface TickInputs {
  left?: PaddleInput;
  right?: PaddleInput;
}

/**
 * Advances a room by one tick and returns the new world; the input is left untouched. Pure: no clock,
 * no I/O, no randomness beyond the PRNG state in the world, so the same world and inputs always give
 * the same result, and a restored checkpoint continues exactly as the original would have.
 *
 * Only a PLAYING game moves. Its slots are both ACTIVE (a reconnecting player pauses it), so inputs
 * for an EMPTY or RECONNECTING slot never count. A paused or waiting room just counts ticks towards
 * the reconnect grace; an ended one stays as it is.
 */
export function step(state: World, inputs: TickInputs, config: SimConfig): StepResult {
  const world = cloneWorld(state);
  const events: SimEvent[] = [];
  if (world.phase === RoomPhase.ROOM_PHASE_ENDED) return { state: world, events };
  world.tick += 1;
  if (world.phase === RoomPhase.ROOM_PHASE_PLAYING) {
    play(world, inputs, config, events);
  } else {
    expireGrace(world, config, events);
  }
  return { state: world, events };
}

function play(world: World, inputs: TickInputs, config: SimConfig, events: SimEvent[]): void {
  applyInput(world.left, inputs.left, config);
  applyInput(world.right, inputs.right, config);
  // Paddles move during a countdown so both players can get in place before the ball does.
  if (world.countdownTicks > 0) {
    world.countdownTicks -= 1;
    return;
  }
  const scorer = advanceBall(world, config);
  if (scorer !== undefined) score(world, scorer, config, events);
}

/**
 * Stale and repeated inputs are dropped here and not only by the network layer, because the last
 * applied sequence survives a checkpoint restore while the network layer's memory does not.
 */
function applyInput(paddle: PaddleState, input: PaddleInput | undefined, config: SimConfig): void {
  if (input === undefined || input.seq <= paddle.lastInputSeq) return;
  paddle.y = movePaddle(paddle.y, input.move, config);
  paddle.lastInputSeq = input.seq;
}
