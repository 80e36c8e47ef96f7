import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { CancelPacer } from '../../src/gateway/cancel-pacer.js';
import { eventually } from '../support/wait.js';

/** A call as the pacer sees it: cancel() counts, and 'status' can be emitted by the test. */
class FakeCall extends EventEmitter {
  cancels = 0;
  cancel(): void {
    this.cancels++;
  }
  end(): void {
    this.emit('status');
  }
}

function calls(count: number): FakeCall[] {
  return Array.from({ length: count }, () => new FakeCall());
}

describe('CancelPacer', () => {
  let nowMs = 0;
  const pacers: CancelPacer[] = [];
  const pacer = (ratePerSec: number, burst: number): CancelPacer => {
    const p = new CancelPacer({ ratePerSec, burst, nowMs: () => nowMs });
    pacers.push(p);
    return p;
  };
  beforeEach(() => (nowMs = 0));
  afterEach(() => pacers.splice(0).forEach((p) => p.flush()));

  it('cancels a burst at once, then no more than the rate', () => {
    const p = pacer(10, 3);
    const all = calls(8);
    for (const call of all) {
      p.track(call);
      p.cancel(call);
    }
    expect(all.map((c) => c.cancels)).to.deep.equal([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(p.backlog).to.equal(5);
    nowMs = 250; // 2.5 tokens
    p.drain();
    expect(all.map((c) => c.cancels)).to.deep.equal([1, 1, 1, 1, 1, 0, 0, 0]);
    nowMs = 10_000; // refilled to the burst, not beyond
    p.drain();
    expect(all.every((c) => c.cancels === 1), 'each call cancelled once').to.equal(true);
    expect(p.backlog).to.equal(0);
  });

  it('spends nothing on a call that ended by itself, before or while it waited', () => {
    const p = pacer(1, 1);
    const [endedBefore, first, waiting, next] = calls(4) as [FakeCall, FakeCall, FakeCall, FakeCall];
    for (const call of [endedBefore, first, waiting, next]) p.track(call);
    endedBefore.end();
    p.cancel(endedBefore);
    p.cancel(first);
    p.cancel(waiting);
    p.cancel(next);
    expect([endedBefore, first, waiting, next].map((c) => c.cancels)).to.deep.equal([0, 1, 0, 0]);
    waiting.end();
    expect(p.backlog).to.equal(1);
    nowMs = 1000;
    p.drain();
    expect([waiting, next].map((c) => c.cancels), 'the token went to the next one').to.deep.equal([0, 1]);
  });

  it('cancels a call asked twice only once', () => {
    const p = pacer(1, 5);
    const [call] = calls(1) as [FakeCall];
    p.track(call);
    p.cancel(call);
    p.cancel(call);
    expect(call.cancels).to.equal(1);
  });

  it('sends the waiting cancellations by itself as the budget refills', async () => {
    const p = new CancelPacer({ ratePerSec: 200, burst: 2 });
    pacers.push(p);
    const all = calls(10);
    for (const call of all) {
      p.track(call);
      p.cancel(call);
    }
    await eventually('every call cancelled', () => all.every((c) => c.cancels === 1));
    expect(p.backlog).to.equal(0);
  });

  it('flush cancels every waiting call at once', () => {
    const p = pacer(1, 1);
    const all = calls(5);
    for (const call of all) {
      p.track(call);
      p.cancel(call);
    }
    p.flush();
    expect(all.map((c) => c.cancels)).to.deep.equal([1, 1, 1, 1, 1]);
  });
});
