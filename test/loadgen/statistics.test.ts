import { expect } from 'chai';
import type { ClientView } from '../../src/loadgen/client-state.js';
import { countStates } from '../../src/loadgen/client-state.js';
import { percentileOfSorted } from '../../src/loadgen/distribution.js';
import { GameRates } from '../../src/loadgen/game-rates.js';
import { LatencyHistogram } from '../../src/loadgen/latency-histogram.js';
import { linkRates } from '../../src/loadgen/link-rates.js';
import { clientMmr } from '../../src/loadgen/run-loadgen.js';
import { Timeline } from '../../src/loadgen/timeline.js';
import { ValueHistogram } from '../../src/loadgen/value-histogram.js';

const playing = (over: Partial<ClientView> = {}): ClientView => ({ state: 'playing', game: 1, linkEpoch: 1, snapshots: 60, lastTick: 600, lastSnapshotMs: 10_000, ...over });

describe('loadgen statistics (pure)', () => {
  it('percentiles by nearest rank; an empty list has none', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([0, 10, 50, 51, 90, 99, 100].map((p) => percentileOfSorted(sorted, p))).to.deep.equal([1, 1, 5, 6, 9, 10, 10]);
    expect(Number.isNaN(percentileOfSorted([], 50))).to.equal(true);
  });

  it('a value histogram: exact count, min, mean and max, nearest-rank percentiles within 0.01 %; NaN (JSON null) fields when empty', () => {
    const histogram = (values: number[]): ValueHistogram => {
      const h = new ValueHistogram();
      for (const value of values) h.record(value);
      return h;
    };
    const small = histogram([5, 1, 3]);
    expect(small.summary()).to.deep.equal({ count: 3, min: 1, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(histogram([60, 59, 61, 30]).percentile(1)).to.equal(30);
    const rates = histogram(Array.from({ length: 1000 }, (_, i) => 55 + i / 100)); // 55.00 … 64.99
    const summary = rates.summary();
    expect(summary).to.include({ count: 1000, min: 55, max: 64.99 });
    expect(summary.mean).to.be.closeTo(59.995, 1e-9);
    expect(summary.p50).to.be.closeTo(59.99, 0.006);
    expect(summary.p99).to.be.closeTo(64.89, 0.0065);
    expect(rates.percentile(1)).to.be.closeTo(55.09, 0.0055);
    expect(histogram([0, 0]).summary(), 'a stalled game is 0, not the smallest step').to.include({ min: 0, p50: 0, max: 0 });
    const empty = new ValueHistogram();
    expect(empty.count).to.equal(0);
    expect(JSON.parse(JSON.stringify(empty.summary()))).to.deep.equal({ count: 0, min: null, mean: null, p50: null, p90: null, p99: null, max: null });
    for (const h of [small, rates, empty]) h.destroy();
  });

  it('the HDR histogram keeps latencies to 0.1 % and draws a percentile curve', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.recordMs(ms);
    const summary = histogram.summary();
    expect(summary.count).to.equal(1000);
    expect(summary.p50).to.be.closeTo(500, 1);
    expect(summary.p99).to.be.closeTo(990, 1);
    expect(summary.max).to.be.closeTo(1000, 1);
    expect(summary.mean).to.be.closeTo(500.5, 0.01);
    const curve = histogram.percentileCurve();
    expect(curve[0]).to.deep.include({ percentile: 0 });
    expect(curve.at(-1)!.ms).to.be.closeTo(1000, 1);
    expect(curve.map((p) => p.ms)).to.deep.equal([...curve.map((p) => p.ms)].sort((a, b) => a - b));
    histogram.destroy();
  });

  it('events land in the second of the run they happened in; a second without a sample carries the last client counts', () => {
    const timeline = new Timeline(1000);
    timeline.at(500).errors += 1; // before the start: the first second
    timeline.at(1000).matches += 1;
    for (const ms of [10, 30, 20]) timeline.matchLatency(1999, ms);
    const counts = countStates([playing(), playing(), { ...playing(), state: 'queued' }]);
    timeline.at(1200).clients = counts;
    timeline.linkRates(1200, [
      { tickRate: 60, snapshotRate: 60 },
      { tickRate: 58, snapshotRate: 59 },
    ]);
    timeline.at(3500).reconnectsSucceeded += 2;
    timeline.at(1500).errors += 1; // second 0 is over: a late time counts in the open second
    const points = timeline.points();
    expect(points.map((p) => p.second)).to.deep.equal([0, 1, 2]);
    expect(points[0]).to.deep.include({ matches: 1, errors: 1, matchLatencyP50Ms: 20, matchLatencyP99Ms: 30, tickRateMean: 59, tickRateMin: 58, snapshotsPerSecMean: 59.5, linksSampled: 2 });
    expect(points[0]!.clients).to.include({ playing: 2, queued: 1 });
    expect(points[2]).to.deep.include({ reconnectsSucceeded: 2, errors: 1, linksSampled: 0 });
    expect([points[1]!.matchLatencyP50Ms, points[2]!.tickRateMean, points[2]!.tickRateMin, points[2]!.snapshotsPerSecMean].every(Number.isNaN)).to.equal(true);
    expect(points[2]!.clients).to.include({ playing: 2, queued: 1 });
  });

  it('the open second’s match latencies count in its percentiles before it is over', () => {
    const timeline = new Timeline(0);
    for (const ms of [40, 10]) timeline.matchLatency(2500, ms);
    expect(timeline.points()[2]).to.deep.include({ matchLatencyP50Ms: 10, matchLatencyP99Ms: 40 });
    timeline.at(3000);
    expect(timeline.points()[2], 'and the same once it is over').to.deep.include({ matchLatencyP50Ms: 10, matchLatencyP99Ms: 40 });
  });

  describe('a link between two samples', () => {
    const at = (view: ClientView, atMs: number) => ({ view, atMs });

    it('ticks per second from the snapshots’ tick numbers and times, snapshots per second of the sample interval', () => {
      const rates = linkRates(at(playing(), 10_000), at(playing({ snapshots: 120, lastTick: 660, lastSnapshotMs: 11_000 }), 11_000));
      expect(rates).to.deep.equal({ tickRate: 60, snapshotRate: 60 });
    });

    it('a link that received nothing is a stall: 0 ticks/s, not a gap', () => {
      expect(linkRates(at(playing(), 10_000), at(playing(), 11_000))).to.deep.equal({ tickRate: 0, snapshotRate: 0 });
    });

    it('no rate across a reconnect or games, outside play, before any snapshot, or over too short a span', () => {
      const later = playing({ snapshots: 120, lastTick: 660, lastSnapshotMs: 11_000 });
      expect(linkRates(at(playing(), 10_000), at({ ...later, linkEpoch: 2 }, 11_000))).to.equal(undefined);
      expect(linkRates(at(playing(), 10_000), at({ ...later, game: 2, lastTick: 30 }, 11_000))).to.equal(undefined);
      expect(linkRates(at({ ...playing(), state: 'reconnecting' }, 10_000), at(later, 11_000))).to.equal(undefined);
      expect(linkRates(at(playing({ snapshots: 0 }), 10_000), at(later, 11_000))).to.equal(undefined);
      expect(linkRates(at(playing(), 10_000), at(playing({ snapshots: 61, lastTick: 601, lastSnapshotMs: 10_017 }), 10_020))).to.equal(undefined);
    });
  });

  it('a game’s tick rate spans its reconnects (the room keeps counting); its snapshot rate counts connected time only', () => {
    const rates = new GameRates();
    rates.newLink();
    for (let i = 0; i <= 60; i++) rates.snapshot(100 + i, 1000 + (i * 1000) / 60); // 1 s at 60/s
    rates.newLink(); // down for 1 s: 60 ticks pass on the server
    for (let i = 0; i <= 60; i++) rates.snapshot(220 + i, 3000 + (i * 1000) / 60);
    const { tickRate, snapshotRate } = rates.summary();
    expect(tickRate).to.be.closeTo(180 / 3, 1e-9);
    expect(snapshotRate).to.be.closeTo(60, 1e-9);
    expect(new GameRates().summary()).to.deep.equal({ tickRate: undefined, snapshotRate: undefined });
  });

  it('client MMRs spread evenly over mmr ± spread, clamped to 0..100000', () => {
    expect([0, 0.5, 0.999999].map((r) => clientMmr(1500, 300, r))).to.deep.equal([1200, 1500, 1800]);
    expect(clientMmr(100, 300, 0)).to.equal(0);
    expect(clientMmr(99_900, 300, 0.999999)).to.equal(100_000);
  });
});
