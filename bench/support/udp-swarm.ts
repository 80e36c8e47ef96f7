import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { RoomEventKind, type Packet, type Welcome } from '../../src/gen/mini/room/v1/packets.js';
import { defaultHandshakeTiming, onHandshakePacket, onHandshakeTimer, startHandshake, type HandshakeState } from '../../src/client/handshake.js';
import { parseHostPort } from '../../src/client/host-port.js';
import { InputWindow, type Direction } from '../../src/client/input-window.js';
import { decodePacket, disconnectPacket, encodePacket } from '../../src/client/packets.js';

/** First byte of a Packet whose body is a Snapshot (field 6, length-delimited) or a RoomEvent (field 9). */
const snapshotTag = (6 << 3) | 2;
const eventTag = (9 << 3) | 2;

/** One load-generator player: its own socket (own source port), the pure handshake, an input window, counters. */
export interface SwarmPlayer {
  readonly socket: Socket;
  handshake: HandshakeState;
  welcome: Welcome | undefined;
  window: InputWindow | undefined;
  /** Datagrams that were snapshots (for a raw player: every datagram). */
  snapshots: number;
  inputsSent: number;
  ended: boolean;
  settle: ((outcome: Welcome | string) => void) | undefined;
  /** Where this player's InputBatch is encoded (the send copies it out). */
  readonly buffer: Buffer;
}

/**
 * A cheap load generator for many UDP players in one process: one socket per player (the room binds
 * a seat to its source address), the client library's pure handshake and input window, and ONE paced
 * loop (a 1 ms timer) that walks the players in rounds at players × 60 per second, so each player
 * sends one InputBatch per tick and the datagrams leave evenly spread over the tick, as from
 * independent clients, not as one burst. Snapshots are counted by their first byte, not decoded;
 * room events are decoded (they are rare). InputBatches are encoded by hand (checked against the
 * generated encoder at start): the generated one costs more than the send itself.
 */
export class UdpSwarm {
  readonly players: SwarmPlayer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private position = 0;
  private round = 0;
  private lastMs = 0;
  private due = 0;
  /** Player sends skipped because the loop fell more than a tick behind. */
  skippedSends = 0;
  private readonly tickMs: number;
  private order = new Uint32Array(0);

  /**
   * `shuffle`: visit the players in a new random order every round, so each one's send time within
   * the tick is random (independent clients); otherwise in a fixed order, so each player keeps its
   * phase — and, at exactly 60 Hz, stays phase-locked to the room server's ticks.
   */
  constructor(
    private readonly shuffle = true,
    private readonly ticksPerSecond = 60,
  ) {
    this.tickMs = 1000 / ticksPerSecond;
    selfCheckEncoder();
  }

  /** Starts the paced loop. */
  start(): void {
    this.lastMs = performance.now();
    const wake = (): void => {
      const now = performance.now();
      const count = this.players.length;
      this.due += ((now - this.lastMs) / this.tickMs) * count;
      this.lastMs = now;
      if (this.due > count) {
        // More than a whole tick behind: skip the backlog beyond one tick rather than burst.
        this.skippedSends += Math.floor(this.due - count);
        this.due = count;
      }
      for (; this.due >= 1; this.due -= 1) this.visit(now);
      this.timer = setTimeout(wake, 1);
    };
    wake();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Opens a player's socket towards addr and runs the connect handshake; resolves with the Welcome or why not. */
  async connect(roomAddr: string, token: string): Promise<{ player: SwarmPlayer; outcome: Welcome | string }> {
    const player = await this.open(roomAddr);
    const outcome = await new Promise<Welcome | string>((resolve) => {
      player.settle = resolve;
      const first = startHandshake(token, performance.now());
      player.handshake = first.state;
      this.send(player, first.send!);
    });
    return { player, outcome };
  }

  /** A player that is already "connected" (for the echo baseline): sends inputs with a made-up connection id. */
  async raw(addr: string, connectionId: number): Promise<SwarmPlayer> {
    const player = await this.open(addr);
    player.window = new InputWindow(connectionId, 0);
    return player;
  }

  /** Sends Disconnect for every welcomed player (when `disconnect`) and closes every socket. */
  closeAll(disconnect: boolean): void {
    for (const player of this.players.splice(0)) {
      if (disconnect && player.welcome && !player.ended) this.send(player, disconnectPacket(player.welcome.connectionId));
      player.window = undefined;
      player.socket.close();
    }
  }

  private async open(addr: string): Promise<SwarmPlayer> {
    const { host, port } = parseHostPort(addr);
    const socket = createSocket('udp4');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve, reject) => socket.connect(port, host, (err?: Error) => (err ? reject(err) : resolve())));
    const player: SwarmPlayer = {
      socket,
      handshake: { phase: 'timed_out' },
      welcome: undefined,
      window: undefined,
      snapshots: 0,
      inputsSent: 0,
      ended: false,
      settle: undefined,
      buffer: Buffer.allocUnsafe(maxBatchBytes),
    };
    socket.on('message', (bytes: Buffer) => this.receive(player, bytes));
    this.players.push(player);
    return player;
  }

  private receive(player: SwarmPlayer, bytes: Buffer): void {
    if (player.window) {
      const tag = bytes[0];
      if (tag === snapshotTag) player.snapshots += 1;
      else if (tag === eventTag && decodePacket(bytes)?.event?.kind === RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED) {
        player.ended = true;
        player.window = undefined;
      }
      return;
    }
    const packet = decodePacket(bytes);
    if (!packet) return;
    const next = onHandshakePacket(player.handshake, packet, performance.now());
    player.handshake = next.state;
    if (next.send) this.send(player, next.send);
    this.settleHandshake(player);
  }

  private settleHandshake(player: SwarmPlayer): void {
    const state = player.handshake;
    if (state.phase === 'requesting' || state.phase === 'responding' || !player.settle) return;
    const settle = player.settle;
    player.settle = undefined;
    if (state.phase === 'welcomed') {
      player.welcome = state.welcome;
      player.window = new InputWindow(state.welcome.connectionId, state.welcome.lastInputSeq);
      settle(state.welcome);
    } else settle(state.phase === 'refused' ? `refused ${state.reason}` : 'timed out');
  }

  /** The next player in the round: its InputBatch, or a handshake retransmit when due. */
  private visit(nowMs: number): void {
    if (this.position >= this.players.length || this.order.length !== this.players.length) {
      this.position = 0;
      this.round += 1;
      this.reorder();
    }
    const player = this.players[this.order[this.position++]!];
    if (!player) return;
    if (player.window) {
      // Sweep the paddle: a second up, a second still, a second down.
      const direction = ((Math.floor(this.round / this.ticksPerSecond) % 3) - 1) as Direction;
      const length = encodeInputBatch(player.window.push(direction), player.buffer);
      player.socket.send(player.buffer.subarray(0, length));
      player.inputsSent += 1;
    } else if (player.settle) {
      const next = onHandshakeTimer(player.handshake, nowMs, defaultHandshakeTiming);
      player.handshake = next.state;
      if (next.send) this.send(player, next.send);
      this.settleHandshake(player);
    }
  }

  private reorder(): void {
    const count = this.players.length;
    if (this.order.length !== count) this.order = Uint32Array.from({ length: count }, (_, i) => i);
    if (!this.shuffle) return;
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const swap = this.order[i]!;
      this.order[i] = this.order[j]!;
      this.order[j] = swap;
    }
  }

  private send(player: SwarmPlayer, packet: Packet): void {
    player.socket.send(encodePacket(packet));
  }
}

/** An InputBatch of INPUT_REDUNDANCY inputs: 2 + 9 + 8 × (2 + 5 + 2) bytes at most. */
const maxBatchBytes = 96;

/**
 * Writes the window's current InputBatch packet into `out` as Packet.encode would (proto3: zero
 * fields left out) and returns its length. Every length fits one varint byte (< 128).
 */
export function encodeInputBatch(packet: Packet, out: Buffer): number {
  const batch = packet.inputs!;
  let at = 2;
  if (batch.connectionId !== 0) {
    out[at++] = 0x09; // connection_id: field 1, fixed64
    out.writeUInt32LE(batch.connectionId % 2 ** 32, at);
    out.writeUInt32LE(Math.floor(batch.connectionId / 2 ** 32), at + 4);
    at += 8;
  }
  for (const input of batch.inputs) {
    out[at++] = 0x12; // inputs: field 2, length-delimited
    const lengthAt = at++;
    if (input.seq !== 0) {
      out[at++] = 0x08; // seq: field 1, varint
      at = writeVarint(out, at, input.seq);
    }
    if (input.direction !== 0) {
      out[at++] = 0x10; // direction: field 2, sint32 (zigzag)
      at = writeVarint(out, at, input.direction < 0 ? -2 * input.direction - 1 : 2 * input.direction);
    }
    out[lengthAt] = at - lengthAt - 1;
  }
  out[0] = 0x2a; // Packet.inputs: field 5, length-delimited
  out[1] = at - 2;
  return at;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value > 0x7f) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

/** Fails at start if the hand encoder and the generated one ever disagree. */
function selfCheckEncoder(): void {
  const window = new InputWindow(2 ** 52 + 12_345, 300);
  const out = Buffer.alloc(maxBatchBytes);
  for (let i = 0; i < 20; i++) {
    const packet = window.push(((i % 3) - 1) as Direction);
    const expected = Buffer.from(encodePacket(packet));
    const length = encodeInputBatch(packet, out);
    if (!expected.equals(out.subarray(0, length))) throw new Error(`hand-encoded InputBatch differs: ${out.subarray(0, length).toString('hex')} vs ${expected.toString('hex')}`);
  }
}
