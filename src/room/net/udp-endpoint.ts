import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { Peer } from './peer.js';

/** The one UDP socket all rooms of the process share. */
export class UdpEndpoint {
  /** Datagrams handed to the kernel whose send has not completed yet. */
  private unsent = 0;
  private onAllSent: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly log: Logger,
  ) {}

  /**
   * Binds host:port (0 = any free port) and hands every datagram to `onDatagram`. `recvBufferBytes`
   * (0: the kernel's default) is asked for as SO_RCVBUF; the kernel caps it at net.core.rmem_max.
   */
  static async bind(
    host: string,
    port: number,
    recvBufferBytes: number,
    onDatagram: (bytes: Buffer, peer: Peer) => void,
    log: Logger,
  ): Promise<UdpEndpoint> {
    const type = host.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket(recvBufferBytes > 0 ? { type, recvBufferSize: recvBufferBytes } : { type });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // After binding, a socket error (e.g. ICMP unreachable surfacing on send) must not end the process.
    socket.on('error', (err) => log.warn({ err: err.message }, 'udp socket error'));
    socket.on('message', (bytes, info) => onDatagram(bytes, { address: info.address, port: info.port }));
    return new UdpEndpoint(socket, socket.address().port, log);
  }

  /** The receive buffer the kernel granted (Linux reports twice what it reserves for data). */
  get recvBufferBytes(): number {
    return this.socket.getRecvBufferSize();
  }

  send(peer: Peer, bytes: Uint8Array): void {
    this.unsent += 1;
    this.socket.send(bytes, peer.port, peer.address, (err) => {
      if (err) this.log.debug({ err: err.message, peer_port: peer.port }, 'udp send failed');
      if (--this.unsent === 0) this.onAllSent?.();
    });
  }

  /** Closes the socket once what was sent has gone out (the last words to clients at shutdown), waiting at most waitMs. */
  async close(waitMs = 200): Promise<void> {
    if (this.unsent > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.onAllSent = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
