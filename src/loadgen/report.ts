import type { ClientGameOutcome } from './client-games.js';
import type { Distribution } from './distribution.js';
import type { PercentilePoint } from './latency-histogram.js';
import type { LoadMetrics, ReconnectCounts, RpcMethod } from './load-metrics.js';
import type { LoadgenOptions } from './options.js';
import type { TimelinePoint } from './timeline.js';
import type { ValueHistogram } from './value-histogram.js';

/** A rate's distribution plus its 1st percentile (the slowest 1 %). */
export type RateDistribution = Distribution & { p1: number };

/** One Matcher / Sessions method as the clients saw it. */
export interface RpcReport {
  calls: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Successful calls only; a call's time includes the client's retries after UNAVAILABLE. */
  latencyMs: Distribution;
}

/** The machine-readable report (`--json`, report.json). Every latency in ms, every rate per second. */
export interface LoadReport {
  tool: 'mini-match loadgen';
  reportVersion: 1;
  startedAt: string;
  /** Wall time from the first client's start to the last game closed (duration + draining). */
  elapsedSec: number;
  options: Omit<LoadgenOptions, 'json' | 'progress' | 'outDir'>;
  transport: 'grpc' | 'rest';
  target: string;
  clients: { configured: number; peakPlaying: number };
  /**
   * The load generator's own event-loop lag (a 10 ms timer's lateness): every client-side latency
   * includes it, so a high figure here means the generator (or its machine), not the server, was slow.
   */
  loopLagMs: Distribution;
  matches: {
    /** Distinct rooms assigned (one match = one room for two players). */
    rooms: number;
    /** Assignments received by clients (two per match when both players are ours). */
    assignments: number;
    /** Enqueue → assignment, per client. */
    latencyMs: Distribution;
    latencyPercentiles: PercentilePoint[];
  };
  games: {
    /** Distinct rooms a client got into. */
    connected: number;
    /** Distinct rooms that ended by the game's own rules (score limit, forfeit) as a client saw. */
    completed: number;
    /** Each client's game by how it ended ('unfinished': still on when the run ended). */
    clientGames: Record<ClientGameOutcome, number>;
    /** Server tick progression per client game, from snapshot tick numbers (games with ≥ 1 s of snapshots). */
    tickRate: RateDistribution;
    /** Snapshots received per second of connected time, per client game. */
    snapshotRate: RateDistribution;
    /** Client games whose tick rate was within 1 tick/s of 60. */
    tickRateNear60: number;
    durationSec: Distribution;
  };
  reconnects: {
    attempted: number;
    succeeded: number;
    failed: number;
    /** Cut by the load generator (--reconnect-rate): timeToBackMs from the cut, reconnectMs from the reconnect() call, to the first snapshot. */
    induced: ReconnectCounts & { timeToBackMs: Distribution; reconnectMs: Distribution };
    /** Started by the client library itself after 1 s of silence. */
    spontaneous: ReconnectCounts;
  };
  rpc: {
    /** All unary calls together (not WatchAssignment): the Matcher's client-side latency. */
    unary: { calls: number; perSec: number; latencyMs: Distribution };
    methods: Partial<Record<RpcMethod, RpcReport>>;
  };
  /** Failures of the client loop by `phase:kind` (login, find_match, connect, reconnect, retry = each retry after UNAVAILABLE). */
  errors: Record<string, number>;
  timeline: TimelinePoint[];
}

function rateDistribution(rates: ValueHistogram): RateDistribution {
  return { ...rates.summary(), p1: rates.percentile(1) };
}

/** The report of a run from its metrics (read before they are destroyed). */
export function buildReport(input: { options: LoadgenOptions; metrics: LoadMetrics; startedAt: Date; elapsedSec: number }): LoadReport {
  const { options, metrics, startedAt, elapsedSec } = input;
  const { json: _json, progress: _progress, outDir: _outDir, ...shownOptions } = options;
  const games = metrics.clientGames;
  const { induced, spontaneous } = metrics.reconnects;
  const methods: Partial<Record<RpcMethod, RpcReport>> = {};
  let unaryCalls = 0;
  for (const [method, entry] of metrics.rpc) {
    methods[method] = { calls: entry.calls, errors: entry.errors, errorKinds: entry.errorKinds, latencyMs: entry.latency.summary() };
    if (method !== 'WatchAssignment') unaryCalls += entry.calls;
  }
  return {
    tool: 'mini-match loadgen',
    reportVersion: 1,
    startedAt: startedAt.toISOString(),
    elapsedSec,
    options: shownOptions,
    transport: options.gatewayAddr === undefined ? 'grpc' : 'rest',
    target: options.gatewayAddr ?? options.matcherTarget,
    clients: { configured: options.clients, peakPlaying: metrics.peakPlaying },
    loopLagMs: metrics.loopLagMs.summary(),
    matches: {
      rooms: metrics.assignedRooms.size,
      assignments: metrics.assignmentCount,
      latencyMs: metrics.matchLatency.summary(),
      latencyPercentiles: metrics.matchLatency.percentileCurve(),
    },
    games: {
      connected: metrics.connectedRooms.size,
      completed: metrics.completedRooms.size,
      clientGames: { ...games.byOutcome },
      tickRate: rateDistribution(games.tickRate),
      snapshotRate: rateDistribution(games.snapshotRate),
      tickRateNear60: games.tickRateNear60,
      durationSec: games.durationSec.summary(),
    },
    reconnects: {
      attempted: induced.attempted + spontaneous.attempted,
      succeeded: induced.succeeded + spontaneous.succeeded,
      failed: induced.failed + spontaneous.failed,
      induced: { ...induced, timeToBackMs: metrics.timeToBack.summary(), reconnectMs: metrics.reconnectDuration.summary() },
      spontaneous,
    },
    rpc: { unary: { calls: unaryCalls, perSec: unaryCalls / Math.max(elapsedSec, 1e-9), latencyMs: metrics.unaryLatency.summary() }, methods },
    errors: Object.fromEntries(metrics.errors),
    timeline: metrics.timeline.points(),
  };
}
