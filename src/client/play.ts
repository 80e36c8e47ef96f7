import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import type { Snapshot } from '../gen/mini/room/v1/packets.js';
import { toClientError } from './errors.js';
import { renderField, scoreLine } from './field-view.js';
import { GameClient } from './game-client.js';
import { MatchmakingClient } from './matchmaking.js';
import { heldDirection, keyCommand, type KeyPress } from './play-keys.js';
import { parsePlayOptions } from './play-options.js';
import { gameOverText, phaseText } from './play-text.js';
import { TerminalScreen } from './terminal-screen.js';

// Terminal Pong, the composition root of `npm run play`: flags, then the screen, the clients and the game.
const options = parsePlayOptions(process.argv);
const screen = new TerminalScreen();
const quit = new AbortController();
const view = { snapshot: undefined as Snapshot | undefined, slot: Slot.SLOT_UNSPECIFIED, ticksPerSecond: 60, status: '', note: '' };
let lastPress: KeyPress | undefined;

const redraw = (): void => {
  const { cols, rows } = screen.size;
  const header = `${scoreLine(view.snapshot, view.slot)}   ${phaseText(view.snapshot, view.ticksPerSecond)}`;
  screen.draw([header, ...renderField(view.snapshot, cols, Math.max(3, rows - 3)), view.status, view.note]);
};
const status = (text: string): void => {
  view.status = text;
  redraw();
};
const note = (text: string): void => {
  view.note = text;
  redraw();
};

const matchmaking = new MatchmakingClient(options.matcher, {
  onRetry: (err, delayMs) => note(`matcher unavailable (${toClientError(err).message}), retrying in ${delayMs} ms`),
});
const game = new GameClient(matchmaking);
game.on('assigned', (a) => note(`room ${a.roomId} at ${a.roomAddr}, opponent ${a.opponentId}`));
game.on('connected', (welcome) => {
  Object.assign(view, { slot: welcome.slot, ticksPerSecond: welcome.ticksPerSecond || 60 });
  status(`playing ${welcome.slot === Slot.SLOT_LEFT ? 'left' : 'right'}${welcome.resumed ? ' (resumed)' : ''}   arrows or w/s move, space stops, q quits`);
});
game.on('snapshot', (snapshot) => {
  view.snapshot = snapshot;
  game.setDirection(heldDirection(lastPress, performance.now(), options.holdMs));
  redraw();
});
game.on('opponentReconnecting', () => note('opponent reconnecting…'));
game.on('opponentReconnected', () => note('opponent reconnected'));
game.on('reconnecting', ({ reason }) => status(`connection lost (${reason}), reconnecting…`));
game.on('reconnected', ({ durationMs }) => note(`reconnected in ${Math.round(durationMs)} ms`));

screen.onKey((name) => {
  const command = keyCommand(name);
  if (command?.kind === 'quit') quit.abort();
  else if (command) {
    lastPress = { direction: command.direction, atMs: performance.now() };
    game.setDirection(command.direction);
  }
});
process.once('SIGTERM', () => quit.abort());

try {
  status(`logging in as ${options.deviceId} at ${options.matcher}…`);
  const session = await matchmaking.login(options.deviceId, quit.signal);
  status(`player ${session.playerId}: waiting for a match (mmr ${options.mmr})…   q quits`);
  await game.connect(await matchmaking.findMatch(options.mmr, quit.signal), quit.signal);
  const [over] = await once(game, 'ended', { signal: quit.signal });
  status(`${gameOverText(over, session.playerId)}   q quits`);
  await once(quit.signal, 'abort');
} catch (err) {
  if (!quit.signal.aborted) {
    status(`error: ${toClientError(err).message}   q quits`);
    await once(quit.signal, 'abort');
  }
} finally {
  game.close();
  matchmaking.close();
  screen.close();
}
