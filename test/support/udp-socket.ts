import { createSocket, type Socket } from 'node:dgram';
import { Packet } from '../../src/gen/mini/room/v1/packets.js';

/**
 * A test's own UDP socket towards a room server: sends raw bytes or packets, records every packet
 * it gets back, and lets a test await a condition on what arrived (checked on every arrival, with
 * a deadline; never a sleep).
 */
export class TestSocket {
  readonly received: Packet[] = [];
  private readonly waiters = new Map<() => void, () => void>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
  ) {
    socket.on('message', (bytes) => {
      this.received.push(Packet.decode(bytes));
      this.onPacket(this.received.at(-1)!);
      for (const poll of [...this.waiters.keys()]) poll();
    });
  }

  /** Opens a socket on loopback towards the room server at host:port. */
  static async open(addr: string): Promise<TestSocket> {
    const [host, port] = splitAddr(addr);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new TestSocket(socket, host, port);
  }

  /** Called for every packet as it arrives, before waiters are checked. */
  onPacket: (packet: Packet) => void = () => {};

  /** This socket's local port. */
  get localPort(): number {
    return this.socket.address().port;
  }

  sendBytes(bytes: Uint8Array): void {
    if (!this.closed) this.socket.send(bytes, this.port, this.host);
  }

  send(packet: Packet): void {
    this.sendBytes(Packet.encode(packet).finish());
  }

  /** Sends a packet and resolves once it has left the socket. */
  async sendNow(packet: Packet): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.send(Packet.encode(packet).finish(), this.port, this.host, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Resolves with check's first defined result, checked now and on every packet; rejects after the deadline. */
  waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 10000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (): boolean => {
        const value = check();
        if (value === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(poll);
        resolve(value);
        return true;
      };
      const poll = (): void => void done();
      const fail = (reason: string): void => {
        clearTimeout(timer);
        this.waiters.delete(poll);
        reject(new Error(`${reason} waiting for ${what}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      if (!done()) this.waiters.set(poll, () => fail('socket closed'));
    });
  }

  /** Closes the socket; whatever is still awaited fails at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.waiters.values()]) cancel();
    this.socket.close();
  }
}

/** Splits host:port. */
export function splitAddr(addr: string): [string, number] {
  const at = addr.lastIndexOf(':');
  return [addr.slice(0, at), Number(addr.slice(at + 1))];
}
