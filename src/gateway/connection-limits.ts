import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';

export interface ConnectionLimits {
  /** Connections held at once; past it Node closes new ones as they are accepted. */
  maxConnections: number;
  /** Connections held at once from one address (IPv6: one /64); 0 = no cap. */
  maxConnectionsPerIp: number;
}

/**
 * Caps the connections the server holds, in all and per client address, so that no client can take
 * every file descriptor: a connection past a cap is closed at once, without an answer (it has sent
 * nothing yet), and the ones already held are untouched. The per-address cap counts the TCP peer,
 * so behind a proxy (every connection from its address) it must be off.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, registry: Registry): void {
  const refused = new Counter({
    name: 'http_connections_refused_total',
    help: 'Connections closed as they arrived because a cap was reached, by cap',
    labelNames: ['cap'],
    registers: [registry],
  });
  refused.inc({ cap: 'max_connections' }, 0);
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => refused.inc({ cap: 'max_connections' }));
  if (limits.maxConnectionsPerIp === 0) return;
  refused.inc({ cap: 'max_connections_per_ip' }, 0);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (socket.remoteAddress === undefined) return; // Already closed.
    const key = addressKey(socket.remoteAddress);
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.maxConnectionsPerIp) {
      refused.inc({ cap: 'max_connections_per_ip' });
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
}

/**
 * What one client is, by address: an IPv4 address (also when mapped into IPv6), or the /64 of an
 * IPv6 address, which one subscriber usually holds whole.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
