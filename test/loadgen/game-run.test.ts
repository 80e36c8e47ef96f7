import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import type { AssignmentSource } from '../../src/client/attach.js';
import { Slot, type Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import { GameRun } from '../../src/loadgen/game-run.js';
import { LoadMetrics } from '../../src/loadgen/load-metrics.js';

/** An assignment the game client cannot connect with (no such address): the game ends at once. */
const unreachable: Assignment = {
  roomId: 'room-1',
  roomAddr: 'nowhere',
  opponentId: 'p2',
  connectToken: 'token',
  connectTokenExpiresAtMs: 0,
  slot: Slot.SLOT_LEFT,
  assignedAtMs: 0,
  roomEpoch: 0,
};

const noAssignments: AssignmentSource = {
  getAssignment: () => Promise.resolve(undefined),
  findMatch: () => Promise.reject(new Error('not used')),
  reportUnreachable: () => Promise.resolve(),
};

describe('loadgen game run (no servers)', () => {
  it('leaves no listener on the run’s stopping and closing signals, however many games it plays', async () => {
    const metrics = new LoadMetrics(() => 0);
    const stopping = new AbortController();
    const closing = new AbortController();
    const settings = { reconnectRate: 0, reconnectDownMs: 0, random: () => 0.5 };
    for (let game = 0; game < 25; game++) {
      expect(await new GameRun(noAssignments, metrics, settings).play(unreachable, stopping.signal, closing.signal)).to.equal('connect_failed');
    }
    expect(getEventListeners(closing.signal, 'abort'), 'on closing').to.have.length(0);
    expect(getEventListeners(stopping.signal, 'abort'), 'on stopping').to.have.length(0);
    expect(metrics.clientGames.byOutcome.connect_failed).to.equal(25);
    metrics.destroy();
  });
});
