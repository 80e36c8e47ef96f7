import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Packet, Welcome } from '../gen/mini/room/v1/packets.js';
import { ClientError, RefusedError } from './errors.js';
import { onHandshakePacket, onHandshakeTimer, startHandshake, type HandshakeStep, type HandshakeTiming } from './handshake.js';
import { decodePacket } from './packets.js';

/** A running handshake: `done` settles with it; `cancel` rejects it at once. */
export interface RunningHandshake {
  done: Promise<void>;
  cancel(err: Error): void;
}

/**
 * Drives the pure handshake state machine over a connected socket: feeds it datagrams and timer
 * ticks, sends what it says to send, and calls `onWelcome` inside the Welcome's own message event (so
 * that the caller is listening before any later datagram is delivered). Rejects with a RefusedError,
 * a `connect_timeout` ClientError, or the error given to `cancel`.
 */
export function runHandshake(
  socket: Socket,
  token: string,
  timing: HandshakeTiming,
  send: (packet: Packet) => void,
  onWelcome: (welcome: Welcome) => void,
): RunningHandshake {
  let cancel: (err: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    let step: HandshakeStep = { state: { phase: 'timed_out' } };
    const finish = (err?: Error): void => {
      clearInterval(timer);
      socket.off('message', onMessage);
      cancel = () => {};
      if (err) reject(err);
      else resolve();
    };
    const advance = (next: HandshakeStep): void => {
      step = next;
      if (next.send) send(next.send);
      const { state } = next;
      if (state.phase === 'welcomed') {
        onWelcome(state.welcome);
        finish();
      } else if (state.phase === 'refused') finish(new RefusedError(state.reason));
      else if (state.phase === 'timed_out') finish(new ClientError('connect_timeout', `no answer from the room in ${timing.timeoutMs} ms`));
    };
    const onMessage = (bytes: Buffer): void => {
      const packet = decodePacket(bytes);
      if (packet) advance(onHandshakePacket(step.state, packet, performance.now()));
    };
    // Ticks a few times per retransmit interval, so a resend is late by a fraction of it at most.
    const timer = setInterval(() => advance(onHandshakeTimer(step.state, performance.now(), timing)), timing.retransmitMs / 4);
    socket.on('message', onMessage);
    cancel = finish;
    advance(startHandshake(token, performance.now()));
  });
  return { done, cancel: (err) => cancel(err) };
}
