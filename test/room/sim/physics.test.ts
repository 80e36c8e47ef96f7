import { expect } from 'chai';
import { advanceBall, movePaddle, type Direction } from '../../../src/room/sim/physics.js';
import { step } from '../../../src/room/sim/step.js';
import type { PlayerSlot, World } from '../../../src/room/sim/world.js';
import { config, inFlight, LEFT, RIGHT, run } from './sim-fixture.js';

describe('room sim: paddles', () => {
  // Paddle height 120,000 in a 600,000 field: centres stay within 60,000..540,000; speed 10,000/tick.
  const cases: { name: string; y: number; move: Direction; expected: number }[] = [
    { name: 'up by one tick of travel', y: 300_000, move: -1, expected: 290_000 },
    { name: 'down by one tick of travel', y: 300_000, move: 1, expected: 310_000 },
    { name: 'still', y: 300_000, move: 0, expected: 300_000 },
    { name: 'clamped at the top', y: 65_000, move: -1, expected: 60_000 },
    { name: 'held at the top', y: 60_000, move: -1, expected: 60_000 },
    { name: 'clamped at the bottom', y: 535_000, move: 1, expected: 540_000 },
  ];
  for (const c of cases) {
    it(c.name, () => expect(movePaddle(c.y, c.move, config)).to.equal(c.expected));
  }

  it('moves at most one tick of travel per tick and stops at the edge', () => {
    const held = (w: World): World => ({ ...w, countdownTicks: 1_000 });
    let world = held(inFlight({ x: 500_000, y: 300_000, vx: 0, vy: 0 }));
    const ys: number[] = [];
    for (let tick = 1; tick <= 26; tick++) {
      world = step(world, { left: { seq: tick, move: -1 } }, config).state;
      ys.push(world.left.y);
    }
    expect(ys.slice(0, 3)).to.deep.equal([290_000, 280_000, 270_000]);
    expect(ys[23]).to.equal(60_000);
    expect(ys.slice(23)).to.deep.equal([60_000, 60_000, 60_000]);
  });
});

describe('room sim: ball', () => {
  // Ball half size 8,000; paddle faces at x = 45,000 and 955,000; a hit reaches 68,000 from a paddle
  // centre; vy after a hit = offset * 8,000 / 68,000 towards zero; |vx| + 500 per hit, at most 16,000.
  const cases: {
    name: string;
    ball: World['ball'];
    paddles?: { left?: number; right?: number };
    expected: World['ball'];
    scorer?: PlayerSlot;
  }[] = [
    { name: 'flies straight', ball: { x: 500_000, y: 300_000, vx: 8_000, vy: 3_000 }, expected: { x: 508_000, y: 303_000, vx: 8_000, vy: 3_000 } },
    { name: 'bounces off the top wall', ball: { x: 500_000, y: 10_000, vx: 8_000, vy: -5_000 }, expected: { x: 508_000, y: 11_000, vx: 8_000, vy: 5_000 } },
    { name: 'bounces off the bottom wall', ball: { x: 500_000, y: 590_000, vx: -8_000, vy: 4_000 }, expected: { x: 492_000, y: 590_000, vx: -8_000, vy: -4_000 } },
    { name: 'centre hit on the left paddle', ball: { x: 55_000, y: 300_000, vx: -8_000, vy: 0 }, expected: { x: 59_000, y: 300_000, vx: 8_500, vy: 0 } },
    { name: 'low edge hit on the left paddle', ball: { x: 55_000, y: 360_000, vx: -8_000, vy: 0 }, expected: { x: 59_000, y: 360_000, vx: 8_500, vy: 7_058 } },
    { name: 'high edge hit on the left paddle', ball: { x: 55_000, y: 240_000, vx: -8_000, vy: 0 }, expected: { x: 59_000, y: 240_000, vx: 8_500, vy: -7_058 } },
    { name: 'hit on the right paddle', ball: { x: 945_000, y: 330_000, vx: 8_000, vy: 0 }, expected: { x: 941_000, y: 330_000, vx: -8_500, vy: 3_529 } },
    { name: 'speed-up capped', ball: { x: 60_000, y: 300_000, vx: -15_800, vy: 0 }, expected: { x: 61_800, y: 300_000, vx: 16_000, vy: 0 } },
    { name: 'misses a paddle that is too far', ball: { x: 55_000, y: 300_000, vx: -8_000, vy: 0 }, paddles: { left: 100_000 }, expected: { x: 47_000, y: 300_000, vx: -8_000, vy: 0 } },
    { name: 'a ball past the face is not caught', ball: { x: 40_000, y: 300_000, vx: -8_000, vy: 0 }, expected: { x: 32_000, y: 300_000, vx: -8_000, vy: 0 } },
    { name: 'reaches the left goal line: right scores', ball: { x: 10_000, y: 300_000, vx: -8_000, vy: 0 }, paddles: { left: 100_000 }, expected: { x: 2_000, y: 300_000, vx: -8_000, vy: 0 }, scorer: RIGHT },
    { name: 'reaches the right goal line: left scores', ball: { x: 990_000, y: 300_000, vx: 8_000, vy: 0 }, paddles: { right: 100_000 }, expected: { x: 998_000, y: 300_000, vx: 8_000, vy: 0 }, scorer: LEFT },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const world = inFlight({ ...c.ball }, c.paddles);
      const scorer = advanceBall(world, config);
      expect(world.ball).to.deep.equal(c.expected);
      expect(scorer).to.equal(c.scorer);
    });
  }

  it('bounces off the top wall on the 16th tick', () => {
    const start = inFlight({ x: 500_000, y: 100_000, vx: 2_000, vy: -6_000 });
    const none = (): object => ({});
    expect(run(start, 15, none).state.ball).to.deep.equal({ x: 530_000, y: 10_000, vx: 2_000, vy: -6_000 });
    expect(run(start, 16, none).state.ball).to.deep.equal({ x: 532_000, y: 12_000, vx: 2_000, vy: 6_000 });
  });

  it('holds the ball through the serve delay while the paddles move', () => {
    const held = { ...inFlight({ x: 500_000, y: 300_000, vx: 8_000, vy: 0 }), countdownTicks: 3 };
    const after3 = run(held, 3, () => ({ right: { seq: held.tick + 1, move: 1 } })).state;
    expect(after3.ball).to.deep.equal(held.ball);
    expect(after3.right.y).to.equal(310_000);
    expect(after3.countdownTicks).to.equal(0);
    expect(run(after3, 1, () => ({})).state.ball.x).to.equal(508_000);
  });
});
