import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The keys derived from the one secret room servers share with the Matcher, each for one purpose,
 * so that the bearer key a room server sends to the registry never reveals the token-signing key.
 */
export interface RoomKeys {
  connectTokenKey: Buffer;
  registryBearer: string;
}

export function deriveRoomKeys(roomSecret: string): RoomKeys {
  const derive = (purpose: string): Buffer => createHmac('sha256', roomSecret).update(purpose).digest();
  return {
    connectTokenKey: derive('mini/connect-token/v1'),
    registryBearer: derive('mini/room-registry/v1').toString('base64url'),
  };
}

/** Compares two strings in time that does not depend on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
