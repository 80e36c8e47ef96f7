/** Splits "host:port" or "[v6]:port" (an assignment's room_addr); throws on anything else. */
export function parseHostPort(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addr);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new RangeError(`not a host:port address: ${addr}`);
  return { host: match[1] ?? match[2]!, port };
}
