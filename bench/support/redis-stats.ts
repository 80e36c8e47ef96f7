import { spawnSync } from 'node:child_process';
import type { Redis } from 'ioredis';

/** Calls and Redis' own time (µs) per command, from INFO commandstats (script-internal calls included). */
export type CommandStats = Map<string, { calls: number; usec: number }>;

/** A snapshot of what Redis has done so far: per-command stats and its CPU time (s). */
export interface RedisSnapshot {
  commands: CommandStats;
  cpuSec: number;
  atMs: number;
}

export async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const [commandstats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  const commands: CommandStats = new Map();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { commands, cpuSec: field('used_cpu_sys') + field('used_cpu_user'), atMs: performance.now() };
}

/** What Redis did between two snapshots. */
export interface RedisDelta {
  commands: CommandStats;
  totalCalls: number;
  cpuSec: number;
  seconds: number;
}

/**
 * The difference between two snapshots, without the `exclude` calls the benchmark itself made
 * (its INFO calls, its polls): { command: calls to take off }.
 */
export function redisDelta(before: RedisSnapshot, after: RedisSnapshot, exclude: Record<string, number> = {}): RedisDelta {
  const commands: CommandStats = new Map();
  let totalCalls = 0;
  for (const [name, now] of after.commands) {
    const then = before.commands.get(name) ?? { calls: 0, usec: 0 };
    const calls = now.calls - then.calls - (exclude[name] ?? 0);
    if (calls <= 0 || name === 'info') continue;
    const usec = now.usec - then.usec;
    commands.set(name, { calls, usec });
    totalCalls += calls;
  }
  return { commands, totalCalls, cpuSec: after.cpuSec - before.cpuSec, seconds: (after.atMs - before.atMs) / 1000 };
}

/**
 * The `top` commands by calls, as "evalsha 2.00 (41 µs), hgetall 2.00 (3 µs)": calls and Redis' own
 * time (commandstats usec) divided by `per`. A script call's time includes its inner commands', which
 * are listed on their own too.
 */
export function topCommands(delta: RedisDelta, per: number, top = 8): string {
  return [...delta.commands]
    .sort((a, b) => b[1].calls - a[1].calls)
    .slice(0, top)
    .map(([name, s]) => `${name} ${(s.calls / per).toFixed(2)} (${(s.usec / per).toFixed(1)} µs)`)
    .join(', ');
}

/** One redis-benchmark test result. */
export interface BenchmarkResult {
  test: string;
  pipeline: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Redis' own CPU during the test, in % of one core. */
  redisCpuPercent: number;
}

/**
 * Runs redis-benchmark (ships with redis-server) pinned to core `cpu` against the Redis at `port`:
 * `tests` (its -t names) with `-P pipeline`, `clients` connections and `requests` requests each, or
 * one custom command (`command`, e.g. an EVAL). Redis' CPU is read from INFO cpu around each test.
 */
export async function redisBenchmark(
  redis: Redis,
  port: number,
  options: { cpu: number; tests?: string[]; command?: string[]; pipeline: number; clients: number; requests: number },
): Promise<BenchmarkResult[]> {
  const results: BenchmarkResult[] = [];
  // One redis-benchmark per test, so that Redis' CPU can be read around each.
  for (const one of options.command ? [options.command] : (options.tests ?? []).map((t) => ['-t', t])) {
    const before = await redisSnapshot(redis);
    const args = ['-c', String(options.cpu), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-q', '--csv'];
    args.push('-c', String(options.clients), '-n', String(options.requests), '-P', String(options.pipeline), ...one);
    const run = spawnSync('taskset', args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr || run.error?.message}`);
    const after = await redisSnapshot(redis);
    const seconds = (after.atMs - before.atMs) / 1000;
    for (const line of run.stdout.split('\n').slice(1)) {
      const fields = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
      if (fields.length < 7) continue;
      results.push({
        test: fields[0]!.split(' ')[0]!,
        pipeline: options.pipeline,
        requestsPerSec: Number(fields[1]),
        p50Ms: Number(fields[4]),
        p99Ms: Number(fields[6]),
        redisCpuPercent: ((after.cpuSec - before.cpuSec) * 100) / seconds,
      });
    }
  }
  return results;
}
