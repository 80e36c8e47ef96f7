import { expect } from 'chai';
import { Slot } from '../../../src/gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../../src/gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../../src/gen/mini/room/v1/world.js';
import { abandonGame, forfeitSlot, markReconnecting } from '../../../src/room/sim/slots.js';
import { createWorld } from '../../../src/room/sim/world.js';
import { config, joined, LEFT, RIGHT, run, startedWorld } from './sim-fixture.js';

describe('room sim: leaving and abandoning', () => {
  it('a player who leaves a started game forfeits at once, even while the opponent is reconnecting', () => {
    const world = run(startedWorld(), 100).state;
    const { state, events } = forfeitSlot(world, LEFT);
    expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_ENDED, winner: Slot.SLOT_RIGHT, endReason: EndReason.END_REASON_FORFEIT });
    expect(state.left.status).to.equal(SlotStatus.SLOT_STATUS_FORFEITED);
    expect(events).to.deep.equal([{ kind: 'ended', tick: 100, winner: Slot.SLOT_RIGHT, reason: EndReason.END_REASON_FORFEIT, leftScore: 0, rightScore: 0 }]);
    const away = markReconnecting(world, RIGHT).state;
    expect(forfeitSlot(away, LEFT).state.winner).to.equal(Slot.SLOT_RIGHT);
  });

  it('a player who leaves before the game started abandons it; an empty slot or an ended game changes nothing', () => {
    const waiting = joined(createWorld('room-1', config, 7), LEFT, 'alice');
    expect(forfeitSlot(waiting, LEFT).state).to.include({ winner: Slot.SLOT_UNSPECIFIED, endReason: EndReason.END_REASON_ABANDONED });
    expect(forfeitSlot(waiting, RIGHT)).to.deep.equal({ state: waiting, events: [] });
    const over = forfeitSlot(startedWorld(), LEFT).state;
    expect(forfeitSlot(over, RIGHT)).to.deep.equal({ state: over, events: [] });
  });

  it('abandoning ends a game with no winner, once', () => {
    const { state, events } = abandonGame(createWorld('room-1', config, 7));
    expect(state).to.include({ phase: RoomPhase.ROOM_PHASE_ENDED, winner: Slot.SLOT_UNSPECIFIED, endReason: EndReason.END_REASON_ABANDONED });
    expect(events).to.have.length(1);
    expect(abandonGame(state).events).to.deep.equal([]);
  });
});
