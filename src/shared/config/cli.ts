import { Command, InvalidArgumentError } from 'commander';

/** Parses a TCP/UDP port flag (0 = any free port). */
export function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port 0..65535');
  return port;
}

const hostPortPattern = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const ipv4PortPattern = /^\d{1,3}(?:\.\d{1,3}){3}:(\d{1,5})$/;
const ipv6PortPattern = /^\[[0-9a-fA-F:.]+\]:(\d{1,5})$/;

function matchesWithPort(pattern: RegExp, value: string): boolean {
  const port = pattern.exec(value)?.at(-1);
  return port !== undefined && Number(port) <= 65535;
}

/** Parses a host:port flag. */
export function hostPortArg(value: string): string {
  if (!matchesWithPort(hostPortPattern, value)) throw new InvalidArgumentError('must be host:port');
  return value;
}

/**
 * Parses a flag naming a gRPC server: host:port, or a gRPC target that lists several replicas
 * (`ipv4:` or `ipv6:` addresses, comma-separated, or a `dns:` name with several records). Over
 * several addresses gRPC's pick_first stays on one while it lives and moves to the next when it dies.
 */
export function grpcTargetArg(value: string): string {
  const [, scheme = '', addresses = ''] = /^(ipv4|ipv6|dns):(.*)$/.exec(value) ?? [];
  const valid =
    scheme === ''
      ? matchesWithPort(hostPortPattern, value)
      : scheme === 'dns'
        ? matchesWithPort(hostPortPattern, addresses.replace(/^\/\/[^/]*\//, ''))
        : addresses.split(',').every((address) => matchesWithPort(scheme === 'ipv4' ? ipv4PortPattern : ipv6PortPattern, address));
  if (!valid) {
    throw new InvalidArgumentError(
      'must be host:port, or a gRPC target listing replicas: ipv4:10.0.0.1:50051,10.0.0.2:50051 or dns:///matcher.internal:50051',
    );
  }
  return value;
}

/** A commander program with the name, description and --help every service shares. */
export function serviceCommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError().allowExcessArguments(false);
}
