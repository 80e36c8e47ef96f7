import { Packet } from '../gen/mini/room/v1/packets.js';

/** Largest datagram either side sends (packets.proto): fits any path MTU without fragmenting. */
export const MAX_PACKET_BYTES = 1200;

/**
 * Size a ConnectRequest is padded to, so that it is larger than the Challenge it asks for: a spoofed
 * source can never make the room send more than it received.
 */
export const CONNECT_REQUEST_BYTES = 300;

/** Encodes one packet; throws when it would exceed MAX_PACKET_BYTES (a bug, never the network's doing). */
export function encodePacket(packet: Packet): Uint8Array {
  const bytes = Packet.encode(packet).finish();
  if (bytes.length > MAX_PACKET_BYTES) throw new RangeError(`packet of ${bytes.length} bytes exceeds ${MAX_PACKET_BYTES}`);
  return bytes;
}

/** Decodes a datagram: undefined when it is oversized, malformed, or not exactly one packet kind. */
export function decodePacket(bytes: Uint8Array): Packet | undefined {
  if (bytes.length === 0 || bytes.length > MAX_PACKET_BYTES) return undefined;
  let packet: Packet;
  try {
    packet = Packet.decode(bytes);
  } catch {
    return undefined;
  }
  let bodies = 0;
  for (const key in packet) if (packet[key as keyof Packet] !== undefined) bodies++;
  return bodies === 1 ? packet : undefined;
}

/** The first handshake packet, zero-padded to CONNECT_REQUEST_BYTES (more if the token alone is longer). */
export function connectRequestPacket(connectToken: string): Packet {
  const sized = (paddingBytes: number): { packet: Packet; bytes: number } => {
    const packet = { connectRequest: { connectToken, padding: Buffer.alloc(paddingBytes) } };
    return { packet, bytes: Packet.encode(packet).finish().length };
  };
  // Length prefixes are varints, so adding padding can grow the packet by more than it adds: aim,
  // then correct towards the target, and take the first size that is at least the target.
  let padding = Math.max(0, CONNECT_REQUEST_BYTES - sized(0).bytes);
  let attempt = sized(padding);
  while (attempt.bytes > CONNECT_REQUEST_BYTES && padding > 0) {
    padding = Math.max(0, padding - (attempt.bytes - CONNECT_REQUEST_BYTES));
    attempt = sized(padding);
  }
  if (attempt.bytes < CONNECT_REQUEST_BYTES && padding > 0) attempt = sized(padding + CONNECT_REQUEST_BYTES - attempt.bytes);
  return attempt.packet;
}

/** The second handshake packet: the token again, with the room's cookie. */
export function connectResponsePacket(connectToken: string, cookie: Buffer): Packet {
  return { connectResponse: { connectToken, cookie } };
}

/** Keeps a quiet connection alive. */
export function keepalivePacket(connectionId: number): Packet {
  return { keepalive: { connectionId } };
}

/** Leaves the room for good. */
export function disconnectPacket(connectionId: number): Packet {
  return { disconnect: { connectionId } };
}
