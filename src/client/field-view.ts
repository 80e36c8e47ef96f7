import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import type { PaddleView, Snapshot } from '../gen/mini/room/v1/packets.js';
import { SlotStatus } from '../gen/mini/room/v1/world.js';
import { pongField, type FieldGeometry } from '../shared/pong-field.js';


const cell = (units: number, totalUnits: number, cells: number): number =>
  Math.min(cells - 1, Math.max(0, Math.floor((units / totalUnits) * cells)));

/**
 * The field as `rows` lines of `cols` characters: a frame, the centre line, both paddles and the ball
 * (no ball before the first snapshot). Pure, so the terminal client only copies lines to the screen.
 */
export function renderField(snapshot: Snapshot | undefined, cols: number, rows: number, geometry: FieldGeometry = pongField): string[] {
  const innerCols = Math.max(1, cols - 2);
  const innerRows = Math.max(1, rows - 2);
  const grid = Array.from({ length: innerRows }, () => Array<string>(innerCols).fill(' '));
  const centre = Math.floor(innerCols / 2);
  for (const line of grid) line[centre] = '┆';
  const drawPaddle = (paddle: PaddleView | undefined, xUnits: number): void => {
    if (!paddle || paddle.status === SlotStatus.SLOT_STATUS_EMPTY) return;
    const half = geometry.paddleHeightUnits / 2;
    const top = cell(paddle.y - half, geometry.heightUnits, innerRows);
    const bottom = cell(paddle.y + half - 1, geometry.heightUnits, innerRows);
    const x = cell(xUnits, geometry.widthUnits, innerCols);
    const glyph = paddle.status === SlotStatus.SLOT_STATUS_ACTIVE ? '█' : '░';
    for (let y = top; y <= bottom; y++) grid[y]![x] = glyph;
  };
  drawPaddle(snapshot?.left, geometry.paddleFaceInsetUnits);
  drawPaddle(snapshot?.right, geometry.widthUnits - geometry.paddleFaceInsetUnits);
  const ball = snapshot?.ball;
  if (ball) grid[cell(ball.y, geometry.heightUnits, innerRows)]![cell(ball.x, geometry.widthUnits, innerCols)] = '●';
  const edge = '─'.repeat(innerCols);
  return [`┌${edge}┐`, ...grid.map((line) => `│${line.join('')}│`), `└${edge}┘`];
}

const nameChars = 12;

/** "alice 3 : 1 bob", with "(you)" beside the player's own side; long player ids are cut. */
export function scoreLine(snapshot: Snapshot | undefined, slot: Slot): string {
  const side = (paddle: PaddleView | undefined, mine: boolean): string => {
    const name = paddle?.playerId ? paddle.playerId.slice(0, nameChars) : '—';
    return mine ? `${name} (you)` : name;
  };
  const left = side(snapshot?.left, slot === Slot.SLOT_LEFT);
  const right = side(snapshot?.right, slot === Slot.SLOT_RIGHT);
  return `${left}  ${snapshot?.left?.score ?? 0} : ${snapshot?.right?.score ?? 0}  ${right}`;
}
