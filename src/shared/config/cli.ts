import { Command, InvalidArgumentError } from 'commander';

/** Parses a TCP/UDP port flag (0 = any free port). */
export function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port 0..65535');
  return port;
}

/** Parses a host:port flag. */
export function hostPortArg(value: string): string {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65535) throw new InvalidArgumentError('must be host:port');
  return value;
}

/** A commander program with the name, description and --help every service shares. */
export function serviceCommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError().allowExcessArguments(false);
}
