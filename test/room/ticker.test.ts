import { expect } from 'chai';
import { FixedStepTicker, type TickerClock } from '../../src/room/ticker.js';
import { TickStats } from '../../src/room/tick-stats.js';

/** A clock the test moves by hand; scheduled wakes are recorded, not run. */
function manualClock(): TickerClock & { now: number; delays: number[] } {
  const clock = {
    now: 0,
    delays: [] as number[],
    nowMs: () => clock.now,
    schedule: (_run: () => void, delayMs: number) => {
      clock.delays.push(delayMs);
      return { cancel: () => {} };
    },
  };
  return clock;
}

describe('room fixed-step ticker (pure)', () => {
  it('turns wall time into whole ticks, carrying the remainder', () => {
    const clock = manualClock();
    let ticks = 0;
    const ticker = new FixedStepTicker(1000 / 60, 15, () => ticks++, clock);
    ticker.start();
    const runs = [10, 10, 10, 1000 / 60 * 3].map((ms) => {
      clock.now += ms;
      return ticker.advance();
    });
    expect(runs).to.deep.equal([0, 1, 0, 3]);
    expect(ticks).to.equal(4);
    expect(clock.delays[0]).to.equal(17);
  });

  it('runs exactly 60 ticks a second on average, however unevenly it is woken', () => {
    const clock = manualClock();
    let ticks = 0;
    const ticker = new FixedStepTicker(1000 / 60, 100, () => ticks++, clock);
    ticker.start();
    for (const ms of [1, 33, 5, 17, 60, 2, 16, 40, 826]) {
      clock.now += ms;
      ticker.advance();
    }
    expect(clock.now).to.equal(1000);
    expect(ticks).to.equal(60);
  });

  it('catches a stall up to the cap and drops the rest of the backlog', () => {
    const clock = manualClock();
    let ticks = 0;
    const ticker = new FixedStepTicker(1000 / 60, 15, () => ticks++, clock);
    ticker.start();
    clock.now += 1000;
    expect(ticker.advance()).to.equal(15);
    expect(ticker.droppedTicks).to.equal(45);
    clock.now += 1000 / 60;
    expect(ticker.advance(), 'back to one tick per tick').to.equal(1);
  });
});

describe('room tick stats (pure)', () => {
  it('reports the tick rate and p99 duration over the last seconds', () => {
    const stats = new TickStats();
    for (let i = 1; i <= 300; i++) stats.record(i * (1000 / 60), i === 150 ? 9 : 1);
    expect(stats.read(5000)).to.deep.equal({ tickRate: 300 / (5000 - 1000 / 60) * 1000, tickDurationP99Ms: 1 });
    for (let i = 301; i <= 303; i++) stats.record(i * (1000 / 60), 9);
    expect(stats.read(5050).tickDurationP99Ms).to.equal(9);
    expect(stats.read(60_000)).to.deep.equal({ tickRate: 0, tickDurationP99Ms: 0 });
  });
});
