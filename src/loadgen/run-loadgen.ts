import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { delay } from '../client/backoff.js';
import { toClientError } from '../client/errors.js';
import type { MatchmakingOptions } from '../client/matchmaking.js';
import { countStates, type ClientState } from './client-state.js';
import { LoadClient } from './load-client.js';
import { LoadMetrics } from './load-metrics.js';
import { watchLoopLag } from './loop-lag.js';
import { linkRates, type LinkRates, type LinkSample } from './link-rates.js';
import { maxMmr, type LoadgenOptions } from './options.js';
import { buildReport, type LoadReport } from './report.js';
import { RestMatchmaking } from './rest-matchmaking.js';
import { TimedGrpcMatchmaking } from './timed-grpc-matchmaking.js';
import type { LoadMatchmaking } from './timed-calls.js';
import { newDeviceId } from '../client/device-id.js';

/** What the progress display gets about once a second. */
export interface LoadProgress {
  phase: 'running' | 'draining';
  elapsedSec: number;
  durationSec: number;
  clients: Record<ClientState, number>;
  totals: ReturnType<LoadMetrics['totals']>;
}

export interface LoadgenHooks {
  onProgress?(progress: LoadProgress): void;
}

/** How often the clients are looked at (timeline gauges, link rates, progress). */
const sampleIntervalMs = 1000;
/** After the duration, reconnects in flight get this long (beyond the down time) to turn out. */
const drainGraceMs = 16_000;
const drainPollMs = 50;
/**
 * Listeners a client may hold at once on each of the run's two signals (a delay or a call and an
 * assignment watch on `stopping`, its game on `closing`), with room to spare. Node warns past the
 * limit: a warning means listeners are piling up, not that there are many clients.
 */
const signalListenersPerClient = 4;

/** A client's MMR: uniform in mmr ± spread, clamped to what the Matcher accepts. */
export function clientMmr(centre: number, spread: number, random: number): number {
  return Math.min(maxMmr, Math.max(0, Math.round(centre + (2 * random - 1) * spread)));
}

/**
 * Runs the load: `options.clients` LoadClients for `options.durationSec` (started over the ramp-up),
 * sampled once a second; then lets reconnects in flight finish, closes every game and returns the report.
 * An abort of `signal` (Ctrl-C) ends the run early, with a report of what happened so far.
 */
export async function runLoadgen(options: LoadgenOptions, hooks: LoadgenHooks = {}, signal?: AbortSignal): Promise<LoadReport> {
  const startedAt = new Date();
  const metrics = new LoadMetrics(() => performance.now());
  const stopping = new AbortController();
  const closing = new AbortController();
  // Every client's waits, calls and game listen on these two: more than Node's default 10 at once.
  setMaxListeners(signalListenersPerClient * options.clients + 1, stopping.signal, closing.signal);
  const loopLag = watchLoopLag((lagMs) => metrics.loopLag(lagMs));
  const random = Math.random;
  const clients = Array.from({ length: options.clients }, (_, i) =>
    new LoadClient({
      deviceId: newDeviceId(),
      mmr: clientMmr(options.mmr, options.mmrSpread, random()),
      matchmaking: matchmakingFor(options, metrics, options.regions[i % options.regions.length]),
      metrics,
      game: { reconnectRate: options.reconnectRate, reconnectDownMs: options.reconnectDownMs, random },
    }),
  );
  let phase: LoadProgress['phase'] = 'running';
  let previous: LinkSample[] = clients.map((c) => ({ view: c.view(), atMs: performance.now() }));
  metrics.sampled(previous.map((s) => s.view), []);
  const sample = (): void => {
    const atMs = performance.now();
    const current = clients.map((c) => ({ view: c.view(), atMs }));
    const rates = current.map((s, i) => linkRates(previous[i]!, s)).filter((r): r is LinkRates => r !== undefined);
    previous = current;
    const views = current.map((s) => s.view);
    metrics.sampled(views, rates);
    hooks.onProgress?.({ phase, elapsedSec: (atMs - metrics.startMs) / 1000, durationSec: options.durationSec, clients: countStates(views), totals: metrics.totals() });
  };
  const sampler = setInterval(sample, sampleIntervalMs);
  const stopRun = (): void => stopping.abort();
  signal?.addEventListener('abort', stopRun, { once: true });
  if (signal?.aborted) stopRun();
  const durationTimer = setTimeout(stopRun, options.durationSec * 1000);
  const rampStepMs = (options.rampUpSec * 1000) / options.clients;
  const runs = clients.map((client, i) =>
    delay(i * rampStepMs, stopping.signal).then(
      () => client.run(stopping.signal, closing.signal),
      () => undefined, // stopped before this client's turn came
    ),
  );
  try {
    if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
    phase = 'draining';
    await drainReconnects(clients, options.reconnectDownMs + drainGraceMs);
    closing.abort();
    await Promise.all(runs);
    sample();
    return buildReport({ options, metrics, startedAt, elapsedSec: (performance.now() - metrics.startMs) / 1000 });
  } finally {
    loopLag.stop();
    clearInterval(sampler);
    clearTimeout(durationTimer);
    signal?.removeEventListener('abort', stopRun);
    stopping.abort();
    closing.abort();
    metrics.destroy();
  }
}

/** Waits (polling, with a deadline) until no client has a reconnect in flight. */
async function drainReconnects(clients: readonly LoadClient[], deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (clients.some((c) => c.reconnectPending) && performance.now() < until) await delay(drainPollMs);
}

function matchmakingFor(options: LoadgenOptions, metrics: LoadMetrics, region: string | undefined): LoadMatchmaking {
  const onRetry: MatchmakingOptions['onRetry'] = (err) => metrics.flowError('retry', toClientError(err).kind);
  if (options.gatewayAddr !== undefined) return new RestMatchmaking(options.gatewayAddr, metrics, { onRetry, region });
  return new TimedGrpcMatchmaking(options.matcherTarget, metrics, { onRetry, region });
}
