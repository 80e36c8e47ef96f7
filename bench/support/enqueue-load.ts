import { EnqueueRequest } from '../../src/gen/mini/matcher/v1/matcher.js';
import { cpuMs, type LoadResult } from './load.js';
import { RawGrpcChannel } from './raw-grpc.js';

const enqueuePath = '/mini.matcher.v1.Matcher/Enqueue';
/** The Enqueue loads' MMRs are spread over 0..this. */
const mmrSpread = 3000;

/** A load of calls: it calls `op(i)` with a fresh i per call, as closedLoop and openLoop do. */
export type Load = (op: (i: number) => Promise<unknown>) => Promise<LoadResult>;

/**
 * Runs `load` of Enqueue calls at `address` through the benchmarks' lean HTTP/2 caller, spread over
 * `channels` connections: call i acts as player i of `tokens` (round the list), with MMR
 * (i × 7919) mod 3,000, in region i mod `regions` (none given: no region named).
 */
export async function enqueueCalls(address: string, tokens: readonly string[], load: Load, options: { channels: number; regions?: readonly string[] }): Promise<LoadResult> {
  const channels = Array.from({ length: options.channels }, () => new RawGrpcChannel(address));
  const regions = options.regions ?? [];
  try {
    return await load((i) =>
      channels[i % channels.length]!.call(
        enqueuePath,
        EnqueueRequest.encode({ mmr: (i * 7919) % mmrSpread, ...(regions.length > 0 ? { region: regions[i % regions.length]! } : {}) }).finish(),
        { authorization: `Bearer ${tokens[i % tokens.length]}` },
      ),
    );
  } finally {
    for (const channel of channels) channel.close();
  }
}

/** `run`'s load result with the CPU each of `pids` spent per completed call (µs), read from /proc around it. */
export async function withCpuPerCall<T extends LoadResult>(pids: readonly (number | undefined)[], run: () => Promise<T>): Promise<T & { cpuUsPerCall: number[] }> {
  const before = pids.map(cpuMs);
  const result = await run();
  const cpuUsPerCall = pids.map((pid, i) => ((cpuMs(pid) - before[i]!) * 1000) / Math.max(1, result.completed));
  return { ...result, cpuUsPerCall };
}
