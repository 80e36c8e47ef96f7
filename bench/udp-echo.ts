/**
 * The baseline for the room capacity benchmark: a bare UDP server on one socket that answers every
 * datagram at once with a canned Snapshot of a room's usual size (built once), touching nothing else.
 * Prints "echo listening on ..." like the services.
 */
import { createSocket } from 'node:dgram';
import { Packet } from '../src/gen/mini/room/v1/packets.js';
import { RoomPhase, SlotStatus } from '../src/gen/mini/room/v1/world.js';

const paddle = (playerId: string) => ({ playerId, status: SlotStatus.SLOT_STATUS_ACTIVE, y: 300_000, score: 3 });
const reply = Packet.encode({
  snapshot: {
    tick: 123_456,
    phase: RoomPhase.ROOM_PHASE_PLAYING,
    ball: { x: 512_345, y: 287_654, vx: -9_500, vy: 3_250 },
    left: paddle('0b7c5d3e-6a1f-4c2b-9d8e-1f2a3b4c5d6e'),
    right: paddle('9f8e7d6c-5b4a-4392-8170-6e5d4c3b2a19'),
    countdownTicks: 0,
    lastInputSeq: 4321,
  },
}).finish();

const socket = createSocket('udp4');
socket.on('error', () => {});
socket.on('message', (_bytes, from) => socket.send(reply, from.port, from.address));
socket.bind(0, '127.0.0.1', () => {
  const { port } = socket.address();
  console.log(JSON.stringify({ port, bytes: reply.length, msg: `echo listening on 127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
