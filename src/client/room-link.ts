import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Packet, type RoomEvent, type Snapshot, type Welcome } from '../gen/mini/room/v1/packets.js';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import { abortedError, ClientError } from './errors.js';
import { defaultHandshakeTiming, type HandshakeTiming } from './handshake.js';
import { InputWindow, INPUT_REDUNDANCY, type Direction } from './input-window.js';
import { defaultLinkTiming, linkAction, type LinkTiming } from './link-timing.js';
import { decodePacket, disconnectPacket, encodePacket, keepalivePacket } from './packets.js';
import { parseHostPort } from './host-port.js';
import { runHandshake } from './udp-handshake.js';

/** Timing of one UDP connection to a room. */
export interface RoomLinkOptions {
  handshake: HandshakeTiming;
  link: LinkTiming;
  /** Inputs carried by every InputBatch. */
  inputRedundancy: number;
}

/** Defaults: 100 ms retransmit, 3 s connect deadline, 1 s silence, 250 ms keepalive, 8 inputs a batch. */
export const defaultRoomLinkOptions: Readonly<RoomLinkOptions> = {
  handshake: defaultHandshakeTiming,
  link: defaultLinkTiming,
  inputRedundancy: INPUT_REDUNDANCY,
};

/** What a connected link reports: newer snapshots, room events, and silence (it then stops). */
export interface RoomLinkEvents {
  snapshot: [Snapshot];
  event: [RoomEvent];
  silent: [];
}

/**
 * One UDP socket connected to one room server, after a completed handshake: sends an InputBatch every
 * tick while the game is playing and a Keepalive when quiet, and reports snapshots (older ones than
 * the newest seen are dropped), events and silence. Malformed datagrams are ignored. The protocol
 * decisions are the pure functions of handshake.ts, input-window.ts and link-timing.ts.
 */
export class RoomLink extends EventEmitter<RoomLinkEvents> {
  private timer: NodeJS.Timeout | undefined;
  private window: InputWindow | undefined;
  private direction: Direction = 0;
  private playing = false;
  private lastTick = -1;
  private lastReceivedMs = 0;
  private lastSentMs = 0;
  private closed = false;
  private failHandshake: ((err: Error) => void) | undefined;
  private welcomed: Welcome | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: RoomLinkOptions,
  ) {
    super();
    // Send failures (an ICMP port unreachable on a connected socket) show up as silence instead.
    socket.on('error', () => {});
  }

  /** Opens a new socket (a new source port) to `roomAddr` and connects with the token; rejects typed. */
  static async open(roomAddr: string, token: string, options: RoomLinkOptions, signal?: AbortSignal): Promise<RoomLink> {
    if (signal?.aborted) throw abortedError(signal);
    const { host, port } = parseHostPort(roomAddr);
    const link = new RoomLink(createSocket(isIPv6(host) ? 'udp6' : 'udp4'), options);
    const onAbort = (): void => link.failHandshake?.(abortedError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        link.failHandshake = reject;
        // Node passes a lookup failure to the callback, which @types/node declares without arguments.
        const connected = (err?: Error): void =>
          err ? reject(new ClientError('unavailable', `cannot reach ${roomAddr}: ${err.message}`)) : resolve();
        link.socket.connect(port, host, connected as () => void);
      });
      const handshake = runHandshake(link.socket, token, options.handshake, (p) => link.send(p), (w) => link.start(w));
      link.failHandshake = handshake.cancel;
      await handshake.done;
      return link;
    } catch (err) {
      link.drop();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The room's Welcome. */
  get welcome(): Welcome {
    return this.welcomed!;
  }

  /** The local UDP port this link sends from. */
  get localPort(): number {
    return this.socket.address().port;
  }

  /** The direction every following input carries. */
  setDirection(direction: Direction): void {
    this.direction = direction;
  }

  /** Leaves the room for good: sends Disconnect, then closes the socket. */
  close(): void {
    if (!this.closed && this.welcomed) this.send(disconnectPacket(this.welcomed.connectionId));
    this.drop();
  }

  /** Closes the socket without a word to the room, as a dead link or a killed client would. */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.failHandshake?.(new ClientError('aborted', 'link dropped while connecting'));
    this.failHandshake = undefined;
    this.socket.close();
  }

  private start(welcome: Welcome): void {
    this.failHandshake = undefined;
    this.welcomed = welcome;
    this.window = new InputWindow(welcome.connectionId, welcome.lastInputSeq, this.options.inputRedundancy);
    this.lastReceivedMs = performance.now();
    this.socket.on('message', (bytes: Buffer) => this.receive(bytes));
    this.timer = setInterval(() => this.tick(), 1000 / (welcome.ticksPerSecond || 60));
  }

  private receive(bytes: Buffer): void {
    const packet = decodePacket(bytes);
    if (!packet || this.closed) return;
    this.lastReceivedMs = performance.now();
    const { snapshot, event } = packet;
    if (snapshot && snapshot.tick > this.lastTick) {
      this.lastTick = snapshot.tick;
      this.playing = snapshot.phase === RoomPhase.ROOM_PHASE_PLAYING;
      this.emit('snapshot', snapshot);
    } else if (event) this.emit('event', event);
  }

  private tick(): void {
    const connectionId = this.welcomed!.connectionId;
    switch (linkAction(performance.now(), this.lastReceivedMs, this.lastSentMs, this.playing, this.options.link)) {
      case 'silent':
        clearInterval(this.timer);
        this.emit('silent');
        return;
      case 'inputs':
        this.send(this.window!.push(this.direction));
        return;
      case 'keepalive':
        this.send(keepalivePacket(connectionId));
        return;
      case 'none':
        return;
    }
  }

  private send(packet: Packet): void {
    if (this.closed) return;
    this.socket.send(encodePacket(packet));
    this.lastSentMs = performance.now();
  }
}
