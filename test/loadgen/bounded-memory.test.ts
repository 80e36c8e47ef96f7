import { expect } from 'chai';
import type { ClientView } from '../../src/loadgen/client-state.js';
import { DistinctRooms } from '../../src/loadgen/distinct-rooms.js';
import { LoadMetrics } from '../../src/loadgen/load-metrics.js';

/**
 * How many values `root` holds: the numbers, strings and other primitives reachable through objects,
 * arrays, maps and sets. A typed array (a histogram's counts) is one: its size follows the range of
 * the values recorded, not their number.
 */
function heldValues(root: unknown): number {
  const seen = new Set<object>();
  const walk = (value: unknown): number => {
    if (typeof value === 'function') return 0;
    if (value === null || typeof value !== 'object') return 1;
    if (seen.has(value)) return 0;
    seen.add(value);
    if (ArrayBuffer.isView(value)) return 1;
    const children = value instanceof Map ? [...value].flat() : value instanceof Set ? [...value] : Object.values(value);
    return children.reduce((n: number, child) => n + walk(child), 0);
  };
  return walk(root);
}

const playing: ClientView = { state: 'playing', game: 1, linkEpoch: 1, snapshots: 60, lastTick: 600, lastSnapshotMs: 0 };

describe('loadgen memory over a long run (pure)', () => {
  it('a second of the timeline holds the same values however many links were sampled and matches made in it', () => {
    const timelineHolds = (links: number, matchesPerSec: number, seconds: number): number => {
      let nowMs = 0;
      const metrics = new LoadMetrics(() => nowMs);
      const views = Array.from({ length: links }, () => playing);
      const rates = Array.from({ length: links }, (_, i) => ({ tickRate: 58 + (i % 3), snapshotRate: 60 }));
      for (let second = 0; second < seconds; second++) {
        nowMs = second * 1000 + 500;
        metrics.sampled(views, rates);
        for (let i = 0; i < matchesPerSec; i++) metrics.matched(`room-${second}-${i}`, 10 + i);
      }
      nowMs = seconds * 1000 + 500; // a quiet second opens: every busy one is over
      metrics.sampled(views, []);
      const held = heldValues(metrics.timeline);
      const points = metrics.timeline.points();
      expect(points).to.have.length(seconds + 1);
      expect(points[1]).to.deep.include({ linksSampled: links, tickRateMin: 58, matchLatencyP50Ms: 10 + Math.ceil(matchesPerSec / 2) - 1 });
      metrics.destroy();
      return held;
    };
    const quiet = timelineHolds(1, 1, 300);
    expect(timelineHolds(1000, 200, 300), 'values held by a 300 s timeline: 1000 links and 200 matches a second vs 1 of each').to.equal(quiet);
    expect(quiet / 301, 'values per second').to.be.below(40);
  });

  it('the run’s totals hold as many values after ten times the games: client games and rooms are running counts', () => {
    const totalsHold = (games: number): number => {
      let nowMs = 0;
      const metrics = new LoadMetrics(() => nowMs);
      for (let game = 0; game < games; game++) {
        nowMs = game * 1000; // a match a second, both players ours
        const roomId = `room-${game}`;
        for (let player = 0; player < 2; player++) {
          metrics.matched(roomId, 40);
          metrics.gameConnected(roomId);
          metrics.gameOver({ roomId, outcome: game % 10 === 0 ? 'room_gone' : 'completed', durationSec: 20 + (game % 7), tickRate: 60, snapshotRate: 59.5 });
        }
      }
      expect(metrics.totals()).to.include({ matches: games, gamesCompleted: games - games / 10 });
      // The timeline is one point per second of the run by design (see the test above).
      const held = heldValues({ ...metrics, timeline: undefined });
      metrics.destroy();
      return held;
    };
    expect(totalsHold(20_000), 'values held after 20,000 games vs 2,000').to.equal(totalsHold(2_000));
  });

  it('distinct rooms: each counted once while its sightings come within the horizon; only rooms that recent are held', () => {
    const rooms = new DistinctRooms(60_000);
    const firsts: boolean[] = [];
    for (let i = 0; i < 10_000; i++) {
      firsts.push(rooms.add(`room-${i}`, i * 1000));
      firsts.push(rooms.add(`room-${i}`, i * 1000 + 30_000)); // the other player, 30 s later
    }
    expect(rooms.size).to.equal(10_000);
    expect(firsts.filter(Boolean)).to.have.length(10_000);
    expect(rooms.held).to.be.at.most(60);
  });
});
