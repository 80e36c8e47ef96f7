import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { Keys } from '../../src/shared/redis/keys.js';
import { seedSessions } from './sessions.js';
import { defaultRegion } from '../../src/shared/region.js';
import { sampleValue, scrapeMetrics } from '../../test/support/prom-text.js';
import { closedLoop, openLoop, type LoadResult } from './load.js';
import { enqueueCalls, withCpuPerCall, type Load } from './enqueue-load.js';

/** A server Enqueue is measured on: where it listens, the processes whose CPU it costs, its /metrics. */
export interface EnqueueTarget {
  address: string;
  /** Server-side processes: the service, then (for a Matcher) the primary and the replicas. */
  pids: (number | undefined)[];
  metricsPort?: number;
}

/** How the loads are run: saturated (closed loop) and at a fixed offered rate (open loop). */
export interface LoadSettings {
  concurrency: number;
  rate: number;
  seconds: number;
  channels: number;
}

/** A load result with each server-side process's CPU per completed call (µs) and the Matcher's WAITs. */
export interface Measured extends LoadResult {
  cpuUsPerCall: number[];
  /** WAITs the Matcher ran per completed call (grouping shares one WAIT among the calls that arrive while one runs). */
  waitsPerCall: number;
  /** Mean duration of one WAIT, ms. */
  waitMeanMs: number;
  /** WAITs that timed out (their calls answered UNAVAILABLE). */
  waitTimeouts: number;
}

/** Both loads on one server. */
export interface CostRun {
  saturated: Measured;
  atRate: Measured;
}

/**
 * Writes sessions for `count` new players straight to the primary (set-up, not measured) and waits
 * until both replicas hold them; returns their tokens.
 */
export async function newPlayers(primary: Redis, label: string, count: number): Promise<string[]> {
  const tokens = await seedSessions(primary, label, count);
  await primary.wait(2, 10_000);
  return tokens;
}

/**
 * Waits until the previous load has left nothing running that the next would pay for: the queue
 * drained by the matching passes (a few odd players may wait for a partner), no AOF rewrite on any
 * data node (each forks and writes the whole data set on the server core), both replicas caught up.
 */
export async function settle(primary: Redis, dataNodes: Redis[], timeoutMs = 20_000): Promise<void> {
  const keys = new Keys('');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const queued = await primary.zcard(keys.region(defaultRegion).queue());
    const infos = await Promise.all(dataNodes.map((node) => node.info('persistence')));
    const rewriting = infos.some((info) => /^aof_rewrite_in_progress:1/m.test(info) || /^aof_rewrite_scheduled:1/m.test(info));
    if (queued <= 10 && !rewriting) break;
    if (performance.now() > deadline) throw new Error(`the layout did not settle within ${timeoutMs} ms (${queued} queued, AOF rewrite ${rewriting ? 'running' : 'done'})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await primary.wait(2, 5000);
}

/** Saturated, then at the fixed rate, each after `settled`: Enqueue calls, call i acting as player i of its token list. */
export async function measureEnqueue(
  target: EnqueueTarget,
  load: LoadSettings,
  tokens: { saturated: string[]; atRate: string[] },
  settled: () => Promise<void>,
): Promise<CostRun> {
  await settled();
  const saturated = await measured(target, tokens.saturated, load.channels, (op) => closedLoop(load.concurrency, load.seconds, op));
  await settled();
  const atRate = await measured(target, tokens.atRate, load.channels, (op) => openLoop(load.rate, load.seconds, 2000, op));
  return { saturated, atRate };
}

async function measured(
  target: EnqueueTarget,
  tokens: string[],
  channelCount: number,
  run: Load,
): Promise<Measured> {
  const waitsBefore = await waitCounts(target.metricsPort);
  const result = await withCpuPerCall(target.pids, () => enqueueCalls(target.address, tokens, run, { channels: channelCount }));
  const waitsAfter = await waitCounts(target.metricsPort);
  const waits = waitsAfter.count - waitsBefore.count;
  return {
    ...result,
    waitsPerCall: waits / Math.max(1, result.completed),
    waitMeanMs: waits > 0 ? ((waitsAfter.sumSec - waitsBefore.sumSec) * 1000) / waits : 0,
    waitTimeouts: waitsAfter.timeouts - waitsBefore.timeouts,
  };
}

/** The Matcher's WAIT histogram (redis_replica_ack_duration_seconds): count and sum of the OK ones, count of time-outs. */
async function waitCounts(metricsPort: number | undefined): Promise<{ count: number; sumSec: number; timeouts: number }> {
  if (metricsPort === undefined) return { count: 0, sumSec: 0, timeouts: 0 };
  const samples = await scrapeMetrics(metricsPort);
  return {
    count: sampleValue(samples, 'redis_replica_ack_duration_seconds_count', { result: 'ok' }) ?? 0,
    sumSec: sampleValue(samples, 'redis_replica_ack_duration_seconds_sum', { result: 'ok' }) ?? 0,
    timeouts: sampleValue(samples, 'redis_replica_ack_duration_seconds_count', { result: 'timeout' }) ?? 0,
  };
}
