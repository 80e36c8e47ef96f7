import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from 'commander';
import { matcherOption, serviceCommand } from '../shared/config/cli.js';

/** The terminal client's flags. */
export interface PlayOptions {
  /** The Matcher's gRPC target: host:port, or several replicas (see grpcTargetArg). */
  matcher: string;
  mmr: number;
  deviceId: string;
  /** How long one key press keeps the paddle moving. */
  holdMs: number;
}

function numberArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number ${min}..${max}`);
    return n;
  };
}

/** Parses `npm run play -- …` flags; commander prints --help and flag errors and exits. */
export function parsePlayOptions(argv: string[]): PlayOptions {
  const program = serviceCommand('play', 'Terminal Pong: log in, find a match, play (arrows or w/s move, space stops, q quits)')
    .addOption(matcherOption())
    .option('--mmr <mmr>', 'matchmaking rating, 0..100000', numberArg(0, 100000), 1200)
    .option('--device-id <id>', 'device id to log in with (same id, same player); random by default')
    .option('--hold-ms <ms>', 'how long one key press keeps the paddle moving', numberArg(20, 5000), 250)
    .parse(argv);
  const flags = program.opts<{ matcher: string; mmr: number; deviceId?: string; holdMs: number }>();
  return {
    matcher: flags.matcher,
    mmr: flags.mmr,
    deviceId: flags.deviceId ?? `terminal-${randomBytes(6).toString('hex')}`,
    holdMs: flags.holdMs,
  };
}
