import { pongField } from '../../shared/pong-field.js';

/** Simulation rate: the room advances the world this many times per second of wall time. */
export const TICK_RATE_HZ = 60;

/** Length of one tick, for the host's fixed-step accumulator; the simulation itself never sees time. */
export const TICK_MS = 1000 / TICK_RATE_HZ;

/**
 * Geometry and rules of the game. Lengths are integer units of a field whose origin is the top-left
 * corner; speeds are units per tick and durations are ticks, so every step is exact integer arithmetic.
 */
export interface SimConfig {
  fieldWidthUnits: number;
  fieldHeightUnits: number;
  paddleHeightUnits: number;
  /** Distance from a goal line to the face of that side's paddle. */
  paddleFaceInsetUnits: number;
  paddleSpeedUnitsPerTick: number;
  /** The ball is a square; this is half its side. */
  ballHalfSizeUnits: number;
  serveSpeedUnitsPerTick: number;
  /** A serve's vertical speed is drawn from [-this, +this]. */
  serveMaxVerticalUnitsPerTick: number;
  /** Vertical speed after a hit at the very edge of a paddle; a centre hit sends the ball straight. */
  bounceMaxVerticalUnitsPerTick: number;
  /** Horizontal speed added by every paddle hit, up to maxBallSpeedUnitsPerTick. */
  speedUpUnitsPerHit: number;
  maxBallSpeedUnitsPerTick: number;
  /** How long the ball waits at the centre before each serve. */
  serveDelayTicks: number;
  /** How long the ball stays put after a pause ends, so the returning player can get ready. */
  resumeCountdownTicks: number;
  /** How long a reconnecting player's slot is kept before they forfeit. */
  reconnectGraceTicks: number;
  /** Score limit given to new worlds (a world keeps its own in its state). */
  scoreLimit: number;
}

/** A 1,000,000 x 600,000 field: the ball crosses it in about two seconds at serve speed. */
export const DEFAULT_SIM_CONFIG: Readonly<SimConfig> = {
  fieldWidthUnits: pongField.widthUnits,
  fieldHeightUnits: pongField.heightUnits,
  paddleHeightUnits: pongField.paddleHeightUnits,
  paddleFaceInsetUnits: pongField.paddleFaceInsetUnits,
  paddleSpeedUnitsPerTick: 10_000,
  ballHalfSizeUnits: 8_000,
  serveSpeedUnitsPerTick: 8_000,
  serveMaxVerticalUnitsPerTick: 4_000,
  bounceMaxVerticalUnitsPerTick: 8_000,
  speedUpUnitsPerHit: 500,
  maxBallSpeedUnitsPerTick: 16_000,
  serveDelayTicks: TICK_RATE_HZ,
  resumeCountdownTicks: TICK_RATE_HZ,
  reconnectGraceTicks: 10 * TICK_RATE_HZ,
  scoreLimit: 5,
};
