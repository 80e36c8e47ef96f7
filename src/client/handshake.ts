import { RefusedReason, type Packet, type Welcome } from '../gen/mini/room/v1/packets.js';
import { connectRequestPacket, connectResponsePacket } from './packets.js';

/** Handshake timing: how often the pending packet is sent again, and when to give up. */
export interface HandshakeTiming {
  retransmitMs: number;
  timeoutMs: number;
}

/** The default: resend every 100 ms, give up after 3 s. */
export const defaultHandshakeTiming: Readonly<HandshakeTiming> = { retransmitMs: 100, timeoutMs: 3000 };

/**
 * Where a connect stands (packets.proto): `requesting` sends ConnectRequest until a Challenge comes,
 * `responding` sends ConnectResponse with its cookie until Welcome or Refused; the rest are final.
 */
export type HandshakeState =
  | { phase: 'requesting' | 'responding'; token: string; pending: Packet; startedAtMs: number; sentAtMs: number }
  | { phase: 'welcomed'; welcome: Welcome }
  | { phase: 'refused'; reason: RefusedReason }
  | { phase: 'timed_out' };

/** A new state and the packet to send now, if any. */
export interface HandshakeStep {
  state: HandshakeState;
  send?: Packet;
}

/** Starts a connect with the assignment's token: send the (padded) ConnectRequest. */
export function startHandshake(token: string, nowMs: number): HandshakeStep {
  const pending = connectRequestPacket(token);
  return { state: { phase: 'requesting', token, pending, startedAtMs: nowMs, sentAtMs: nowMs }, send: pending };
}

/**
 * Takes one packet from the room. A Challenge (also a repeated one, whose cookie replaces the
 * last) is answered at once; Welcome finishes the connect; Refused counts only once the challenge
 * is passed, as the room sends it only then. Anything else leaves the state as it is.
 */
export function onHandshakePacket(state: HandshakeState, packet: Packet, nowMs: number): HandshakeStep {
  if (state.phase !== 'requesting' && state.phase !== 'responding') return { state };
  if (packet.challenge) {
    const pending = connectResponsePacket(state.token, packet.challenge.cookie);
    return { state: { ...state, phase: 'responding', pending, sentAtMs: nowMs }, send: pending };
  }
  if (packet.welcome) return { state: { phase: 'welcomed', welcome: packet.welcome } };
  if (packet.refused && state.phase === 'responding') return { state: { phase: 'refused', reason: packet.refused.reason } };
  return { state };
}

/** Called by a timer: resends the pending packet once `retransmitMs` passed, or times out. */
export function onHandshakeTimer(state: HandshakeState, nowMs: number, timing: HandshakeTiming): HandshakeStep {
  if (state.phase !== 'requesting' && state.phase !== 'responding') return { state };
  if (nowMs - state.startedAtMs >= timing.timeoutMs) return { state: { phase: 'timed_out' } };
  if (nowMs - state.sentAtMs < timing.retransmitMs) return { state };
  return { state: { ...state, sentAtMs: nowMs }, send: state.pending };
}
