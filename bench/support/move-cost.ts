import type { Redis } from 'ioredis';
import { redisDelta, type CommandStats, type RedisDelta, type RedisSnapshot } from './redis-stats.js';

/**
 * INFO commandstats stamped with Redis' own clock: TIME and INFO go in one pipeline, which Redis
 * runs back to back, so a load generator that stalls before it reads the answer does not stretch
 * the window it divides by. `atMs` is Redis' wall clock (epoch ms, the same clock as Date.now()).
 */
export async function redisClockSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const replies = (await redis.pipeline().time().info('commandstats').info('cpu').exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const [[, time], [, commandstats], [, cpu]] = replies as [unknown, unknown][] as [[null, [string, string]], [null, string], [null, string]];
  const commands: CommandStats = new Map();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { commands, cpuSec: field('used_cpu_sys') + field('used_cpu_user'), atMs: Number(time[0]) * 1000 + Number(time[1]) / 1000 };
}

/** What Redis did between two clock snapshots; the product never calls TIME, so every TIME is a snapshot's and is left out. */
export function clockDelta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  return redisDelta(before, after, { time: Number.MAX_SAFE_INTEGER });
}

/** Calls per second of each command between two snapshots (the benchmark's own TIME and INFO left out). */
export type CommandRates = Map<string, number>;

export function commandRates(before: RedisSnapshot, after: RedisSnapshot): CommandRates {
  const delta = clockDelta(before, after);
  return new Map([...delta.commands].map(([name, s]) => [name, s.calls / delta.seconds]));
}

/** What a move window cost Redis beyond the work of the rooms that kept running through it. */
export interface MoveCost {
  windowSec: number;
  /** Every command Redis ran in the window (script-internal calls included, INFO left out). */
  total: number;
  /** The background estimate: idle rate × window + per-room rate × room-seconds hosted in the window. */
  background: number;
  excess: number;
  perMove: number;
  /** The commands with the largest excess, per room moved. */
  top: string;
  /** Every command: calls in the window, the background estimate, the excess. */
  detail: { name: string; calls: number; background: number; excess: number }[];
}

/**
 * Commands of a move window per room moved, with the background taken off. The background is a
 * two-part model measured on the same stack before the fault: `idle` (servers registered, no room)
 * runs all window long; `busy` (every room playing) less idle, divided by `busyRooms`, is one
 * room's cost per second, charged for the `roomSeconds` rooms were hosted in the window (a room of
 * the faulted server counts from the moment it is back on its new server).
 */
export function moveCost(args: { idle: CommandRates; busy: CommandRates; busyRooms: number; window: RedisDelta; roomSeconds: number; moved: number }): MoveCost {
  const { idle, busy, busyRooms, window, roomSeconds, moved } = args;
  const names = new Set([...idle.keys(), ...busy.keys(), ...window.commands.keys()]);
  const excess = new Map<string, number>();
  const detail: MoveCost['detail'] = [];
  let background = 0;
  for (const name of names) {
    const idleRate = idle.get(name) ?? 0;
    const perRoom = Math.max(0, (busy.get(name) ?? 0) - idleRate) / busyRooms;
    const expected = idleRate * window.seconds + perRoom * roomSeconds;
    background += expected;
    const calls = window.commands.get(name)?.calls ?? 0;
    excess.set(name, calls - expected);
    detail.push({ name, calls, background: expected, excess: calls - expected });
  }
  const per = Math.max(1, moved);
  const top = [...excess]
    .filter(([, n]) => n / per >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, n]) => `${name} ${(n / per).toFixed(1)}`)
    .join(', ');
  const excessTotal = window.totalCalls - background;
  return { windowSec: window.seconds, total: window.totalCalls, background, excess: excessTotal, perMove: moved > 0 ? excessTotal / moved : Number.NaN, top, detail };
}
