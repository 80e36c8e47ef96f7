import { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import type { BallState } from '../../gen/mini/room/v1/world.js';
import type { SimConfig } from './config.js';
import { half, type PlayerSlot, type World } from './world.js';

/** Which way a player pushes their paddle this tick: up (towards y = 0), not at all, or down. */
export type Direction = -1 | 0 | 1;

/** A paddle's next centre: at most one tick's travel, never past the field edges. */
export function movePaddle(y: number, move: Direction, config: SimConfig): number {
  const halfHeight = half(config.paddleHeightUnits);
  const wanted = y + move * config.paddleSpeedUnitsPerTick;
  return Math.min(Math.max(wanted, halfHeight), config.fieldHeightUnits - halfHeight);
}

/**
 * Moves the ball of a draft world one tick: off the top and bottom walls, off a paddle face, or into
 * a goal. Returns the slot that scored, if any; the caller re-serves.
 */
export function advanceBall(world: World, config: SimConfig): PlayerSlot | undefined {
  const { ball } = world;
  const r = config.ballHalfSizeUnits;
  const height = config.fieldHeightUnits;
  const width = config.fieldWidthUnits;
  let x = ball.x + ball.vx;
  let y = ball.y + ball.vy;

  // Mirroring the overshoot puts the ball where it would be had it bounced mid-tick.
  if (y - r < 0) {
    y = 2 * r - y;
    ball.vy = -ball.vy;
  } else if (y + r > height) {
    y = 2 * (height - r) - y;
    ball.vy = -ball.vy;
  }

  // A hit needs the ball to cross the face plane during this tick, so a ball that already slipped
  // past a paddle is never pulled back by it.
  const leftFace = config.paddleFaceInsetUnits;
  const rightFace = width - config.paddleFaceInsetUnits;
  if (ball.vx < 0 && ball.x - r >= leftFace && x - r < leftFace && reaches(world.left.y, y, config)) {
    x = 2 * (leftFace + r) - x;
    bounce(ball, y - world.left.y, 1, config);
  } else if (ball.vx > 0 && ball.x + r <= rightFace && x + r > rightFace && reaches(world.right.y, y, config)) {
    x = 2 * (rightFace - r) - x;
    bounce(ball, y - world.right.y, -1, config);
  }
  ball.x = x;
  ball.y = y;

  if (x - r <= 0) return Slot.SLOT_RIGHT;
  if (x + r >= width) return Slot.SLOT_LEFT;
  return undefined;
}

function reaches(paddleY: number, ballY: number, config: SimConfig): boolean {
  return Math.abs(ballY - paddleY) <= half(config.paddleHeightUnits) + config.ballHalfSizeUnits;
}

/** Sends the ball back faster, steeper the further from the paddle's centre it hit. */
function bounce(ball: BallState, offsetUnits: number, towards: 1 | -1, config: SimConfig): void {
  const reach = half(config.paddleHeightUnits) + config.ballHalfSizeUnits;
  ball.vx = towards * Math.min(Math.abs(ball.vx) + config.speedUpUnitsPerHit, config.maxBallSpeedUnitsPerTick);
  // `| 0` is integer division towards zero that never yields -0, which would not survive encoding.
  ball.vy = ((offsetUnits * config.bounceMaxVerticalUnitsPerTick) / reach) | 0;
}
