import { Packet } from '../../gen/mini/room/v1/packets.js';
import type { DropReason } from '../drop-reason.js';

/** Largest datagram either side sends or accepts (packets.proto): fits any path MTU unfragmented. */
export const maxPacketBytes = 1200;

/** The packets a client may send, one variant per body. */
export type ClientPacket =
  | { kind: 'connect_request'; body: NonNullable<Packet['connectRequest']> }
  | { kind: 'connect_response'; body: NonNullable<Packet['connectResponse']> }
  | { kind: 'inputs'; body: NonNullable<Packet['inputs']> }
  | { kind: 'keepalive'; body: NonNullable<Packet['keepalive']> }
  | { kind: 'disconnect'; body: NonNullable<Packet['disconnect']> };

/**
 * Decodes a datagram from a client, or says why it is dropped. Never throws: bytes off the network
 * are anything, including valid protobuf with several bodies or a server-only one.
 */
export function decodeClientPacket(bytes: Uint8Array): ClientPacket | DropReason {
  if (bytes.length > maxPacketBytes) return 'oversized';
  let packet: Packet;
  try {
    packet = Packet.decode(bytes);
  } catch {
    return 'malformed';
  }
  const bodies = Object.values(packet).filter((body) => body !== undefined).length;
  if (bodies !== 1) return 'malformed';
  if (packet.connectRequest) return { kind: 'connect_request', body: packet.connectRequest };
  if (packet.connectResponse) return { kind: 'connect_response', body: packet.connectResponse };
  if (packet.inputs) return { kind: 'inputs', body: packet.inputs };
  if (packet.keepalive) return { kind: 'keepalive', body: packet.keepalive };
  if (packet.disconnect) return { kind: 'disconnect', body: packet.disconnect };
  return 'not_client_packet';
}

/** The bytes of a packet the server sends. */
export function encodePacket(packet: Packet): Uint8Array {
  return Packet.encode(packet).finish();
}
