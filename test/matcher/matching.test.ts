import { expect } from 'chai';
import { mmrWindow, pairPlayers, type MatchPolicy, type QueuedPlayer } from '../../src/matcher/matching.js';

const seedPolicy: MatchPolicy = { mmrTolerance: 200, windowGrowthPerSec: 10, windowMax: 400 };
const now = 1_000_000;

function queue(...mmrs: number[]): QueuedPlayer[] {
  return mmrs.map((mmr, i) => ({ playerId: `p${i}-${mmr}`, mmr, enqueuedAtMs: now })).sort((a, b) => a.mmr - b.mmr);
}

function pairedMmrs(players: QueuedPlayer[], policy = seedPolicy, at = now): [number, number][] {
  return pairPlayers(players, at, policy).map((p) => [p.left.mmr, p.right.mmr]);
}

describe('pairPlayers (pure)', () => {
  const cases: { name: string; mmrs: number[]; pairs: [number, number][] }[] = [
    { name: 'empty queue', mmrs: [], pairs: [] },
    { name: 'one player', mmrs: [1200], pairs: [] },
    { name: 'seed: 1000 and 1500 alone stay queued', mmrs: [1000, 1500], pairs: [] },
    { name: 'exactly the tolerance apart', mmrs: [1000, 1200], pairs: [[1000, 1200]] },
    { name: 'one past the tolerance', mmrs: [1000, 1201], pairs: [] },
    {
      name: 'seed: ten bots 1000..1500 make five pairs',
      mmrs: [1000, 1055, 1110, 1165, 1220, 1275, 1330, 1385, 1440, 1500],
      pairs: [[1000, 1055], [1110, 1165], [1220, 1275], [1330, 1385], [1440, 1500]],
    },
    {
      // The seed's loop drops both 1000 and 1300 here and never pairs 1300 with 1350.
      name: 'a failed neighbour does not cost the next pair',
      mmrs: [1000, 1300, 1350],
      pairs: [[1300, 1350]],
    },
    { name: 'isolated players between pairs', mmrs: [100, 900, 950, 2000, 2600, 2700], pairs: [[900, 950], [2600, 2700]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(pairedMmrs(queue(...c.mmrs))).to.deep.equal(c.pairs);
    });
  }

  it('never puts a player in two pairs and keeps every pair within tolerance', () => {
    const mmrs = Array.from({ length: 500 }, (_, i) => (i * 7919) % 3000);
    const pairs = pairPlayers(queue(...mmrs), now, seedPolicy);
    const ids = pairs.flatMap((p) => [p.left.playerId, p.right.playerId]);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const p of pairs) expect(p.right.mmr - p.left.mmr).to.be.within(0, 200);
  });

  it('widens the window with waiting time up to the cap', () => {
    const waited = (sec: number, mmr: number): QueuedPlayer => ({ playerId: `w${mmr}`, mmr, enqueuedAtMs: now - sec * 1000 });
    expect(mmrWindow(waited(0, 0), now, seedPolicy)).to.equal(200);
    expect(mmrWindow(waited(10, 0), now, seedPolicy)).to.equal(300);
    expect(mmrWindow(waited(100, 0), now, seedPolicy)).to.equal(400);
    // Both must accept: a fresh player does not get pulled 300 away by a long waiter.
    expect(pairedMmrs([waited(30, 1000), waited(0, 1300)])).to.deep.equal([]);
    expect(pairedMmrs([waited(30, 1000), waited(30, 1300)])).to.deep.equal([[1000, 1300]]);
    expect(pairedMmrs([waited(600, 1000), waited(600, 1500)])).to.deep.equal([]);
  });
});
