import type { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import type { EndReason } from '../../gen/mini/room/v1/registry.js';
import type { PlayerSlot, World } from './world.js';

/** What happened during a step or a slot change, for the host to broadcast, record or act on. */
export type SimEvent =
  /** A player took an empty slot. */
  | { kind: 'joined'; tick: number; slot: PlayerSlot; playerId: string }
  /** Both players are in: the first serve is counting down. */
  | { kind: 'started'; tick: number }
  | { kind: 'scored'; tick: number; slot: PlayerSlot; leftScore: number; rightScore: number }
  /** A player went silent; their slot is held for the reconnect grace. */
  | { kind: 'disconnected'; tick: number; slot: PlayerSlot }
  /** A reconnecting player is back (the opponent is told). */
  | { kind: 'reconnected'; tick: number; slot: PlayerSlot }
  | { kind: 'paused'; tick: number }
  /** Play goes on after the resume countdown; pausedTicks is how long the game was held. */
  | { kind: 'resumed'; tick: number; pausedTicks: number }
  /** Terminal. winner is SLOT_UNSPECIFIED when nobody won. */
  | { kind: 'ended'; tick: number; winner: Slot; reason: EndReason; leftScore: number; rightScore: number };

/** The new world and what happened on the way to it. */
export interface StepResult {
  state: World;
  events: SimEvent[];
}
