import { InvalidArgumentError } from 'commander';
import { matcherOption, serviceCommand } from '../shared/config/cli.js';
import { keptDeviceId, newDeviceId } from './device-id.js';

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
    .option('--device-id <id>', 'device id to log in with (same id, same player; keep it secret); a new random one by default')
    .option('--device-file <path>', 'keep the device id in this file (made on first use): the same player on every run')
    .option('--hold-ms <ms>', 'how long one key press keeps the paddle moving', numberArg(20, 5000), 250)
    .parse(argv);
  const flags = program.opts<{ matcher: string; mmr: number; deviceId?: string; deviceFile?: string; holdMs: number }>();
  return {
    matcher: flags.matcher,
    mmr: flags.mmr,
    deviceId: flags.deviceId ?? (flags.deviceFile !== undefined ? keptDeviceId(flags.deviceFile) : newDeviceId()),
    holdMs: flags.holdMs,
  };
}
