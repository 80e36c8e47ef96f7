import { isIPv4, isIPv6 } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Parses a TCP/UDP port flag (0 = any free port). */
export function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port 0..65535');
  return port;
}

const hostNamePattern = /^[A-Za-z0-9.-]+$/;

/** Splits `host:port` or `[v6]:port`; undefined when the port is missing or out of range. */
function splitHostPort(value: string): { host: string; bracketed: boolean } | undefined {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!match || Number(match[3]) > 65535) return undefined;
  return match[1] !== undefined ? { host: match[1], bracketed: true } : { host: match[2]!, bracketed: false };
}

/** host:port with a host name, an IPv4 address or a bracketed IPv6 address. */
function isHostPort(value: string): boolean {
  const address = splitHostPort(value);
  if (!address) return false;
  return address.bracketed ? isIPv6(address.host) : hostNamePattern.test(address.host);
}

/** Parses a host:port flag. */
export function hostPortArg(value: string): string {
  if (!isHostPort(value)) throw new InvalidArgumentError('must be host:port');
  return value;
}

const isAddressList = (list: string, isIp: (host: string) => boolean, bracketed: boolean): boolean =>
  list.split(',').every((item) => {
    const address = splitHostPort(item);
    return address !== undefined && address.bracketed === bracketed && isIp(address.host);
  });

/**
 * Parses a flag naming a gRPC server: host:port, or a gRPC target that lists several replicas
 * (`ipv4:` or `ipv6:` addresses, comma-separated, or `dns:///name:port` for every record of a name).
 * Over several addresses gRPC's pick_first stays on one and moves to the next when its connection
 * fails (see reconnectBackoff and the keepalive of the channels that need it).
 */
export function grpcTargetArg(value: string): string {
  const [, scheme = '', rest = ''] = /^(ipv4|ipv6|dns):(.*)$/.exec(value) ?? [];
  const valid =
    scheme === 'ipv4'
      ? isAddressList(rest, isIPv4, false)
      : scheme === 'ipv6'
        ? isAddressList(rest, isIPv6, true)
        : scheme === 'dns'
          ? isHostPort(rest.replace(/^\/\/\//, ''))
          : isHostPort(value);
  if (!valid) {
    throw new InvalidArgumentError(
      'must be host:port, or a gRPC target listing replicas: ipv4:10.0.0.1:50051,10.0.0.2:50051 or dns:///matcher.internal:50051',
    );
  }
  return value;
}

/** `--matcher <target>`, the Matcher every service and client talks to; default the local one. */
export function matcherOption(): Option {
  return new Option('--matcher <target>', 'Matcher gRPC address: host:port, or several replicas (ipv4:a:p,b:p; dns:///name:p)')
    .argParser(grpcTargetArg)
    .default('127.0.0.1:50051');
}

/** A commander program with the name, description and --help every service shares. */
export function serviceCommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError().allowExcessArguments(false);
}
