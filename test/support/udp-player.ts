import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import {
  RefusedReason,
  type Packet,
  type PaddleInput,
  type PaddleView,
  type RoomEvent,
  type RoomEventKind,
  type Snapshot,
  type Welcome,
} from '../../src/gen/mini/room/v1/packets.js';
import type { BallState } from '../../src/gen/mini/room/v1/world.js';
import { DEFAULT_SIM_CONFIG } from '../../src/room/sim/config.js';
import { TestSocket } from './udp-socket.js';

/** How a scripted player moves its paddle after each snapshot: -1 up, 0 stay, +1 down. */
export type Policy = (snapshot: Snapshot, mine: PaddleView, slot: Slot) => -1 | 0 | 1;

const field = DEFAULT_SIM_CONFIG;

/** Where a ball flying towards a paddle face crosses it, walls folded in. */
function landingY(ball: BallState, faceX: number): number {
  const height = field.fieldHeightUnits;
  const y = ball.y + (ball.vy * (faceX - ball.x)) / ball.vx;
  const folded = ((y % (2 * height)) + 2 * height) % (2 * height);
  return folded > height ? 2 * height - folded : folded;
}

/** Ready-made players: stay put, follow the ball (never misses), or stand where the ball will not be (always misses). */
export const policies = {
  still: (): 0 => 0,
  track: (s: Snapshot, mine: PaddleView) => Math.sign((s.ball?.y ?? 0) - mine.y) as -1 | 0 | 1,
  dodge: (s: Snapshot, mine: PaddleView, slot: Slot) => {
    const ball = s.ball!;
    const left = slot === Slot.SLOT_LEFT;
    if (left ? ball.vx >= 0 : ball.vx <= 0) return 0;
    const faceX = left ? field.paddleFaceInsetUnits : field.fieldWidthUnits - field.paddleFaceInsetUnits;
    const halfPaddle = field.paddleHeightUnits / 2;
    const target = landingY(ball, faceX) < field.fieldHeightUnits / 2 ? field.fieldHeightUnits - halfPaddle : halfPaddle;
    return Math.sign(target - mine.y) as -1 | 0 | 1;
  },
} satisfies Record<string, Policy>;

/** The padded ConnectRequest a client sends first (packets.proto), about 300 bytes. */
export function connectRequest(token: string): Packet {
  return { connectRequest: { connectToken: token, padding: Buffer.alloc(Math.max(0, 290 - token.length)) } };
}

/**
 * Runs the connect handshake on a socket, resending each step every 100 ms as a client would:
 * ConnectRequest until a Challenge, then ConnectResponse until Welcome or Refused.
 */
export async function handshake(socket: TestSocket, token: string, timeoutMs = 5000): Promise<Welcome | RefusedReason> {
  const from = socket.received.length;
  const arrived = (pick: (p: Packet) => boolean): Packet | undefined => socket.received.slice(from).find(pick);
  let pending = connectRequest(token);
  socket.send(pending);
  const resend = setInterval(() => socket.send(pending), 100);
  try {
    const { challenge } = await socket.waitFor('a Challenge', () => arrived((p) => p.challenge !== undefined), timeoutMs);
    pending = { connectResponse: { connectToken: token, cookie: challenge!.cookie } };
    socket.send(pending);
    const answer = await socket.waitFor('Welcome or Refused', () => arrived((p) => p.welcome !== undefined || p.refused !== undefined), timeoutMs);
    return answer.welcome ?? answer.refused!.reason;
  } finally {
    clearInterval(resend);
  }
}

/**
 * A scripted player over real UDP: connects with a token, answers every snapshot with a redundant
 * InputBatch chosen by its policy, and records snapshots and room events for the test to check.
 */
export class UdpPlayer {
  private seq: number;
  private recent: PaddleInput[] = [];

  private constructor(
    readonly socket: TestSocket,
    readonly welcome: Welcome,
    public policy: Policy | undefined,
  ) {
    this.seq = welcome.lastInputSeq;
    socket.onPacket = (packet) => {
      if (packet.snapshot && this.policy) this.answer(packet.snapshot, this.policy);
    };
  }

  /** Connects a new socket; throws when the room refuses. */
  static async connect(addr: string, token: string, policy?: Policy): Promise<UdpPlayer> {
    const socket = await TestSocket.open(addr);
    const answer = await handshake(socket, token).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    if (typeof answer !== 'object') {
      socket.close();
      throw new Error(`refused: ${RefusedReason[answer]}`);
    }
    return new UdpPlayer(socket, answer, policy);
  }

  get slot(): Slot {
    return this.welcome.slot;
  }

  get snapshots(): Snapshot[] {
    return this.socket.received.flatMap((p) => (p.snapshot ? [p.snapshot] : []));
  }

  get events(): RoomEvent[] {
    return this.socket.received.flatMap((p) => (p.event ? [p.event] : []));
  }

  /** The newest snapshot received. */
  get last(): Snapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** This player's paddle in a snapshot. */
  mine(snapshot: Snapshot): PaddleView {
    return (this.slot === Slot.SLOT_LEFT ? snapshot.left : snapshot.right)!;
  }

  /** Waits for a snapshot (the newest at each arrival) that satisfies the predicate. */
  nextSnapshot(what: string, predicate: (s: Snapshot) => boolean, timeoutMs?: number): Promise<Snapshot> {
    return this.socket.waitFor(what, () => {
      const last = this.last;
      return last && predicate(last) ? last : undefined;
    }, timeoutMs);
  }

  /** Waits for a room event of this kind. */
  event(kind: RoomEventKind, timeoutMs?: number): Promise<RoomEvent> {
    return this.socket.waitFor(`room event ${kind}`, () => this.events.find((e) => e.kind === kind), timeoutMs);
  }

  /** Goes silent, as a player whose network dropped: nothing sent from now on. */
  silence(): void {
    this.policy = undefined;
    this.socket.close();
  }

  /** Leaves for good (Disconnect): the room does not hold the seat, the player forfeits. */
  async leave(): Promise<void> {
    this.policy = undefined;
    await this.socket.sendNow({ disconnect: { connectionId: this.welcome.connectionId } });
    this.socket.close();
  }

  close(): void {
    this.silence();
  }

  private answer(snapshot: Snapshot, policy: Policy): void {
    this.seq += 1;
    this.recent = [...this.recent, { seq: this.seq, direction: policy(snapshot, this.mine(snapshot), this.slot) }].slice(-4);
    this.socket.send({ inputs: { connectionId: this.welcome.connectionId, inputs: this.recent } });
  }
}
