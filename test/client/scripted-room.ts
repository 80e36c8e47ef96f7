import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { Packet, type RefusedReason, type Snapshot, type Welcome } from '../../src/gen/mini/room/v1/packets.js';
import { RoomPhase, SlotStatus } from '../../src/gen/mini/room/v1/world.js';

/** One datagram the room received: decoded (undefined if malformed), its size and source port. */
export interface Received {
  packet: Packet;
  bytes: number;
  port: number;
}

/** How the scripted room answers. */
export interface ScriptedRoomOptions {
  /** Leave this many ConnectRequests / ConnectResponses unanswered first (loss). */
  ignoreRequests?: number;
  ignoreResponses?: number;
  /** Answer a valid ConnectResponse with Refused instead of Welcome. */
  refuse?: RefusedReason;
  /** Fields of every Welcome. */
  welcome?: Partial<Welcome>;
}

/**
 * A real UDP socket on loopback that plays the room server's side of packets.proto from a script:
 * Challenge with a cookie per source, Welcome for the right cookie, snapshots on demand or every tick.
 * Packets from a muted source port are dropped and nothing is sent to it, as for a dead link.
 */
export class ScriptedRoom {
  readonly received: Received[] = [];
  readonly muted = new Set<number>();
  /** Source ports that got a Welcome, oldest first. */
  readonly welcomed: number[] = [];
  private readonly cookies = new Map<number, Buffer>();
  private nextConnectionId = 1000;
  private ticker: NodeJS.Timeout | undefined;
  tick = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly options: ScriptedRoomOptions,
  ) {
    socket.on('message', (bytes, from) => this.onDatagram(bytes, from.port));
  }

  static async start(options: ScriptedRoomOptions = {}): Promise<ScriptedRoom> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ScriptedRoom(socket, options);
  }

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  /** Packets of one kind, in arrival order. */
  packets<K extends keyof Packet>(kind: K): { body: NonNullable<Packet[K]>; bytes: number; port: number }[] {
    return this.received.filter((r) => r.packet[kind] !== undefined).map((r) => ({ body: r.packet[kind]!, bytes: r.bytes, port: r.port }));
  }

  send(port: number, packet: Packet | Uint8Array): void {
    if (this.muted.has(port)) return;
    this.socket.send(packet instanceof Uint8Array ? packet : Packet.encode(packet).finish(), port, '127.0.0.1');
  }

  /** A snapshot with the next tick to the newest welcomed client. */
  sendSnapshot(fields: Partial<Snapshot> = {}): void {
    const port = this.welcomed.at(-1);
    if (port !== undefined) this.send(port, { snapshot: snapshot(++this.tick, fields) });
  }

  /** Sends a snapshot every room tick (60 Hz) until stopTicking. */
  startTicking(fields: Partial<Snapshot> = {}): void {
    this.stopTicking();
    this.ticker = setInterval(() => this.sendSnapshot(fields), 1000 / 60);
  }

  stopTicking(): void {
    clearInterval(this.ticker);
  }

  close(): void {
    this.stopTicking();
    this.socket.close();
  }

  private onDatagram(bytes: Buffer, port: number): void {
    if (this.muted.has(port)) return;
    let packet: Packet;
    try {
      packet = Packet.decode(bytes);
    } catch {
      return;
    }
    this.received.push({ packet, bytes: bytes.length, port });
    if (packet.connectRequest && this.packets('connectRequest').length > (this.options.ignoreRequests ?? 0)) {
      const cookie = this.cookies.get(port) ?? randomBytes(32);
      this.cookies.set(port, cookie);
      this.send(port, { challenge: { cookie } });
    }
    const response = packet.connectResponse;
    if (response && this.cookies.get(port)?.equals(response.cookie) && this.packets('connectResponse').length > (this.options.ignoreResponses ?? 0)) {
      if (this.options.refuse !== undefined) return this.send(port, { refused: { reason: this.options.refuse } });
      const resumed = this.welcomed.length > 0;
      if (!this.welcomed.includes(port)) this.welcomed.push(port);
      const welcome: Welcome = { roomId: 'scripted', slot: Slot.SLOT_LEFT, connectionId: this.nextConnectionId++, tick: this.tick, ticksPerSecond: 60, resumed, lastInputSeq: 0, ...this.options.welcome };
      this.send(port, { welcome });
    }
  }
}

/** A PLAYING snapshot at this tick: ball in the middle, both paddles active and centred. */
export function snapshot(tick: number, fields: Partial<Snapshot> = {}): Snapshot {
  const paddle = (playerId: string) => ({ playerId, status: SlotStatus.SLOT_STATUS_ACTIVE, y: 300_000, score: 0 });
  return {
    tick,
    phase: RoomPhase.ROOM_PHASE_PLAYING,
    ball: { x: 500_000, y: 300_000, vx: 8000, vy: 0 },
    left: paddle('left-player'),
    right: paddle('right-player'),
    countdownTicks: 0,
    lastInputSeq: 0,
    ...fields,
  };
}
