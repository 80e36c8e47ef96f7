import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../src/gen/mini/room/v1/world.js';
import { renderField, scoreLine } from '../../src/client/field-view.js';
import { heldDirection, keyCommand } from '../../src/client/play-keys.js';
import { gameOverText, phaseText } from '../../src/client/play-text.js';
import { snapshot } from './scripted-room.js';

describe('terminal client view (pure)', () => {
  it('draws a framed field of exactly cols x rows with the ball and both paddles where they are', () => {
    const lines = renderField(
      snapshot(1, {
        ball: { x: 500_000, y: 300_000, vx: 0, vy: 0 },
        left: { playerId: 'a', status: SlotStatus.SLOT_STATUS_ACTIVE, y: 60_000, score: 0 },
        right: { playerId: 'b', status: SlotStatus.SLOT_STATUS_RECONNECTING, y: 540_000, score: 0 },
      }),
      42,
      12,
    );
    expect(lines).to.have.length(12);
    for (const line of lines) expect([...line]).to.have.length(42);
    const inner = lines.slice(1, -1).map((line) => [...line].slice(1, -1).join(''));
    expect(inner[5]![20]).to.equal('●');
    const column = (x: number) => inner.map((row) => row[x]).join('');
    expect(column(1)).to.equal('██        ');
    expect(column(38)).to.equal('        ░░');
  });

  it('draws an empty field before the first snapshot', () => {
    const lines = renderField(undefined, 10, 4);
    expect(lines).to.deep.equal(['┌────────┐', '│    ┆   │', '│    ┆   │', '└────────┘']);
  });

  it('shows the score with the player marked, and what the room is doing', () => {
    const s = snapshot(1, { countdownTicks: 61 });
    s.left!.score = 3;
    expect(scoreLine(s, Slot.SLOT_RIGHT)).to.equal('left-player  3 : 0  right-player (you)');
    expect(phaseText(s, 60)).to.equal('serve in 2…');
    expect(phaseText(snapshot(1, { phase: RoomPhase.ROOM_PHASE_PAUSED }), 60)).to.match(/reconnecting/);
  });

  it('tells the result from the player\'s side', () => {
    const result = { reason: EndReason.END_REASON_SCORE_LIMIT, winnerId: 'me', scores: [{ playerId: 'me', score: 5 }, { playerId: 'you', score: 2 }], ticks: 1 };
    expect(gameOverText({ reason: 'game_ended', result }, 'me')).to.equal('you won 5 : 2 (score limit)');
    expect(gameOverText({ reason: 'game_ended', result }, 'you')).to.equal('you lost 2 : 5 (score limit)');
    expect(gameOverText({ reason: 'assignment_gone', result: undefined }, 'me')).to.equal('game over (assignment gone)');
  });

  it('maps keys, and keeps a press moving the paddle only for the hold time', () => {
    expect(keyCommand('UP')).to.deep.equal({ kind: 'move', direction: -1 });
    expect(keyCommand('s')).to.deep.equal({ kind: 'move', direction: 1 });
    expect(keyCommand('q')).to.deep.equal({ kind: 'quit' });
    expect(keyCommand('x')).to.equal(undefined);
    const press = { direction: -1 as const, atMs: 1000 };
    expect(heldDirection(press, 1249, 250)).to.equal(-1);
    expect(heldDirection(press, 1250, 250)).to.equal(0);
    expect(heldDirection(undefined, 1000, 250)).to.equal(0);
  });
});
