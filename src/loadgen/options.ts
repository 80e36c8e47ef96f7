import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { hostPortArg, matcherOption, serviceCommand } from '../shared/config/cli.js';
import { isRegionName, regionNameRule } from '../shared/region.js';

/** Everything one load-generator run is set up by (flags, validated). */
export interface LoadgenOptions {
  clients: number;
  durationSec: number;
  /** Seconds over which the clients start, evenly spread (0 = all at once). */
  rampUpSec: number;
  /** Matcher gRPC address; used unless `gatewayAddr` is set. */
  matcherTarget: string;
  /** REST gateway address: matchmaking over HTTP/JSON + Server-Sent Events instead of gRPC. */
  gatewayAddr: string | undefined;
  /** Probability per game that the client cuts its link once, mid-game, and reconnects. */
  reconnectRate: number;
  /** How long a cut link stays down before the client reconnects. */
  reconnectDownMs: number;
  /** Centre of the MMRs; each client gets one drawn uniformly from mmr ± mmrSpread (clamped to 0..100000). */
  mmr: number;
  mmrSpread: number;
  /** Regions the clients enqueue in, client i in regions[i % length]; empty: none named (the default region). */
  regions: string[];
  /** Machine-readable report on stdout (everything else goes to stderr). */
  json: boolean;
  /** Folder for report.json and report.html. */
  outDir: string;
  progress: boolean;
}

/** Limits that the Matcher enforces on an MMR (and so on mmr ± spread after clamping). */
export const maxMmr = 100_000;

function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer ${min}..${max}`);
    return n;
  };
}

function numberIn(min: number, max: number, what = 'a number'): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be ${what} ${min}..${max}`);
    return n;
  };
}

function positiveSeconds(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`must be seconds, more than 0 and at most ${max}`);
    return n;
  };
}

/** The default report folder: .data/loadgen/<UTC time, file-name safe>/ under the working directory. */
export function defaultOutDir(now: Date): string {
  return join('.data', 'loadgen', now.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-'));
}

/** The `npm run loadgen` command line; `--help` lists the flags. */
export function loadgenCommand(now = new Date()): Command {
  return serviceCommand('loadgen', 'Load generator: real clients log in, queue, get matched, play over UDP, drop and reconnect, repeat')
    .option('--clients <n>', 'concurrent clients (players)', integerIn(2, 10_000), 10)
    .option('--duration <seconds>', 'how long the load runs', positiveSeconds(86_400), 30)
    .option('--ramp-up <seconds>', 'spread the clients\u2019 first login over this long', numberIn(0, 3600, 'seconds'), 0)
    .addOption(matcherOption())
    .option('--gateway <host:port>', 'REST gateway address: log in, queue and watch over HTTP instead of gRPC', hostPortArg)
    .option('--reconnect-rate <fraction>', 'probability per game that a client cuts its link mid-game and reconnects', numberIn(0, 1, 'a fraction'), 0.1)
    .option('--reconnect-down-ms <ms>', 'how long a cut link stays down before the client reconnects', integerIn(0, 9000), 1000)
    .option('--mmr <n>', 'centre of the clients\u2019 MMRs', numberIn(0, maxMmr), 1500)
    .option('--mmr-spread <n>', 'each client\u2019s MMR is drawn uniformly from mmr \u00b1 this', numberIn(0, maxMmr), 300)
    .option('--regions <a,b,...>', 'regions the clients enqueue in, spread evenly (default: the default region)', regionsArg, [])
    .option('--json', 'print the report as JSON on stdout (progress and tables go to stderr)', false)
    .option('--out <dir>', 'folder for report.json and report.html', defaultOutDir(now))
    .option('--no-progress', 'no progress bar');
}

interface RawFlags {
  clients: number;
  duration: number;
  rampUp: number;
  matcher: string;
  gateway?: string;
  reconnectRate: number;
  reconnectDownMs: number;
  mmr: number;
  mmrSpread: number;
  regions: string[];
  json: boolean;
  out: string;
  progress: boolean;
}

/**
 * Parses and validates the flags (`argv` without node and the script). Throws commander's error
 * (after printing it) on a bad flag; `command` lets tests pass one with exitOverride().
 */
export function parseLoadgenArgs(argv: string[], command: Command = loadgenCommand()): LoadgenOptions {
  const flags = command.parse(argv, { from: 'user' }).opts<RawFlags>();
  if (flags.gateway !== undefined && command.getOptionValueSource('matcher') === 'cli') {
    command.error('error: give either --matcher (gRPC) or --gateway (REST), not both', { code: 'loadgen.conflictingTargets' });
  }
  if (flags.rampUp >= flags.duration) {
    command.error(`error: --ramp-up (${flags.rampUp} s) must be shorter than --duration (${flags.duration} s)`, { code: 'loadgen.rampUp' });
  }
  return {
    clients: flags.clients,
    durationSec: flags.duration,
    rampUpSec: flags.rampUp,
    matcherTarget: flags.matcher,
    gatewayAddr: flags.gateway,
    reconnectRate: flags.reconnectRate,
    reconnectDownMs: flags.reconnectDownMs,
    mmr: flags.mmr,
    mmrSpread: flags.mmrSpread,
    regions: flags.regions,
    json: flags.json,
    outDir: flags.out,
    progress: flags.progress,
  };
}

function regionsArg(value: string): string[] {
  const regions = value.split(',');
  if (!regions.every(isRegionName)) throw new InvalidArgumentError(`each region must be ${regionNameRule}`);
  return regions;
}
