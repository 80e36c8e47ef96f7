import { WorldState } from '../../gen/mini/room/v1/world.js';
import type { World } from './world.js';

/** A checkpoint that does not decode into a complete world. */
export class MalformedCheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedCheckpointError';
  }
}

/** The checkpoint bytes of a world, as stored in `room:<id>:checkpoint`. */
export function encodeWorld(world: World): Uint8Array {
  return WorldState.encode(world).finish();
}

/** The world a checkpoint holds. Throws MalformedCheckpointError for bytes that are not one. */
export function decodeWorld(bytes: Uint8Array): World {
  let state: WorldState;
  try {
    state = WorldState.decode(bytes);
  } catch (cause) {
    throw new MalformedCheckpointError('checkpoint is not a WorldState', { cause });
  }
  const { ball, left, right } = state;
  if (ball === undefined || left === undefined || right === undefined) {
    throw new MalformedCheckpointError(`checkpoint of room "${state.roomId}" lacks the ball or a paddle`);
  }
  return { ...state, ball, left, right };
}
